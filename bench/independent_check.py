#!/usr/bin/python3
"""Checks bench-ops against independent measurements: on at least five of eight
configurations, tessera's and PyTorch's medians from `tessera bench-ops` must both agree
within 15% with a plain timing loop (bench_plain for tessera, time.perf_counter in a child of this script for PyTorch,
with the environment bench-ops gave its runner). The machine's speed drifts (a busy
neighbour on the other hyperthread halves compute-bound throughput for seconds at a time),
so the three measurements of a configuration run back to back, configuration by
configuration, five times over, and each figure is the median of its five.

  bench/independent_check.py [--build build/release]

Exits non-zero when a figure differs by more than the tolerance."""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

SPEC = {
    "name": "independent-check", "rounds": 9, "round_ms": 50,
    "benchmarks": [
        {"op": "add", "inputs": [[[100000], [100000]]], "dtypes": ["float32"], "threads": [1]},
        {"op": "mul", "inputs": [[[1000000], [1000000]]], "dtypes": ["float32"], "threads": [1]},
        {"op": "exp", "inputs": [[[100000]]], "dtypes": ["float32"], "threads": [1]},
        {"op": "sum", "inputs": [[[1024, 4096]]], "params": [{"dim": [-1]}], "dtypes": ["float32"], "threads": [1]},
        {"op": "matmul", "inputs": [[[1, 768], [768, 768]]], "dtypes": ["float32"], "threads": [1]},
        {"op": "div", "inputs": [[[1000000], [1000000]]], "dtypes": ["float32"], "threads": [1]},
        {"op": "sub", "inputs": [[[64, 128, 768], [768]]], "dtypes": ["float32"], "threads": [1]},
        {"op": "argmax", "inputs": [[[1024, 1024]]], "params": [{"dim": -1}], "dtypes": ["float32"], "threads": [1]},
    ],
}
NEEDED = 5  # configurations on which both frameworks must agree
TOLERANCE = 0.15


def torch_plain(only):
    """Median per-call microseconds of plain PyTorch loops, as bench_plain does for tessera."""
    import torch
    torch.set_num_threads(1)

    def inp(*shape):  # values as bench-ops makes them: uniform in [0.5, 1.5)
        return torch.rand(*shape) + 0.5
    a5, b5 = inp(100000), inp(100000)
    a6, b6 = inp(1000000), inp(1000000)
    m = inp(1024, 4096)
    v, w = inp(1, 768), inp(768, 768)
    x3, r1, sq = inp(64, 128, 768), inp(768), inp(1024, 1024)
    cases = {
        "add [100000]+[100000] float32 t1": lambda: torch.add(a5, b5),
        "mul [1000000]+[1000000] float32 t1": lambda: torch.mul(a6, b6),
        "exp [100000] float32 t1": lambda: torch.exp(a5),
        "sum [1024,4096] float32 t1 {\"dim\":[-1]}": lambda: torch.sum(m, -1),
        "matmul [1,768]+[768,768] float32 t1": lambda: torch.matmul(v, w),
        "div [1000000]+[1000000] float32 t1": lambda: torch.div(a6, b6),
        "sub [64,128,768]+[768] float32 t1": lambda: torch.sub(x3, r1),
        "argmax [1024,1024] float32 t1 {\"dim\":-1}": lambda: torch.argmax(sq, -1),
    }
    out = {}
    for label, f in cases.items():
        if only and label != only:
            continue
        f()
        iters = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(iters):
                f()
            if time.perf_counter() - t0 > 0.05:
                break
            iters *= 2
        rounds = []
        for _ in range(9):
            t0 = time.perf_counter()
            for _ in range(iters):
                f()
            rounds.append((time.perf_counter() - t0) / iters * 1e6)
        out[label] = sorted(rounds)[len(rounds) // 2]
    return out


def median(xs):
    return sorted(xs)[len(xs) // 2]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build/release")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--torch-plain", metavar="LABEL", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.torch_plain is not None:  # the child that times PyTorch
        print(json.dumps(torch_plain(args.torch_plain)))
        return 0
    harness, plain = {}, {"tessera": {}, "pytorch": {}}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            for bench in SPEC["benchmarks"]:
                spec = os.path.join(tmp, "spec.json")
                with open(spec, "w") as f:
                    json.dump(dict(SPEC, benchmarks=[bench]), f)
                out = os.path.join(tmp, "out")
                subprocess.run([os.path.join(args.build, "bin", "tessera"), "bench-ops", spec, "--frameworks",
                                "tessera,pytorch", "--no-roofline", "--out", out], check=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                with open(os.path.join(out, "results.json")) as f:
                    run = json.load(f)
                label = run["results"][0]["label"]
                for r in run["results"]:
                    harness.setdefault((label, r["framework"]), []).append(r["median_us"])
                tessera = json.loads(subprocess.run([os.path.join(args.build, "bin", "bench_plain"), label],
                                                    check=True, capture_output=True, text=True).stdout)
                env = dict(os.environ, **run["environment"])
                torch_us = json.loads(subprocess.run([sys.executable, __file__, "--torch-plain", label], check=True,
                                                     env=env, capture_output=True, text=True).stdout)
                plain["tessera"].setdefault(label, []).append(tessera[label])
                plain["pytorch"].setdefault(label, []).append(torch_us[label])
    agree = {}
    print(f"{'configuration':42} {'framework':9} {'bench-ops us':>12} {'plain us':>10} {'diff':>7}")
    for fw in ("tessera", "pytorch"):
        for label, samples in sorted(plain[fw].items()):
            us, h = median(samples), median(harness[(label, fw)])
            diff = h / us - 1
            ok = abs(diff) <= TOLERANCE
            agree[label] = agree.get(label, True) and ok
            print(f"{label:42} {fw:9} {h:12.2f} {us:10.2f} {diff:+7.1%} {'ok' if ok else 'DIFFERS'}")
    n = sum(agree.values())
    print(f"{n} of {len(agree)} configurations: both frameworks within {TOLERANCE:.0%} of the plain loops "
          f"(needed: {NEEDED})")
    return 0 if n >= NEEDED else 1


if __name__ == "__main__":
    sys.exit(main())
