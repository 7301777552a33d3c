#!/usr/bin/python3
"""Model latency: tessera (`tessera bench --json`), ONNX Runtime (bench/runners/ort_model.mjs,
all graph optimisations) and PyTorch eager (Debian's torch), measured in the same run on
the same exported models, at each thread count. Interleaves the frameworks ROUNDS times and
reports the median of their p50s, and the ratios to ONNX Runtime and to PyTorch.

    compare.py TESSERA_BINARY [--models resnet18,mobilenet_v2] [--threads 1,2]
               [--iterations 50] [--rounds 3] [--out results.json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
ORT_RUNNER = os.path.join(HERE, "..", "runners", "ort_model.mjs")


def build(name):
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)()
    for m in model.modules():  # BatchNorm statistics that are not the identity
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    return model.eval()


def torch_eager(model, threads, iterations):
    torch.set_num_threads(threads)
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        t0 = time.perf_counter()
        model(x)
        first = (time.perf_counter() - t0) * 1e3
        for _ in range(max(1, min(10, iterations // 10))):
            model(x)
        ms = []
        for _ in range(iterations):
            t = time.perf_counter()
            model(x)
            ms.append((time.perf_counter() - t) * 1e3)
    ms.sort()
    return {"first_run_ms": first, "latency_ms": {"p50": statistics.median(ms)}}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("tessera")
    p.add_argument("--models", default="resnet18,mobilenet_v2")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--iterations", type=int, default=50)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out")
    args = p.parse_args()
    work = tempfile.mkdtemp(prefix="tessera_model_bench_")
    results = []
    for name in args.models.split(","):
        model = build(name)
        path = os.path.join(work, name + ".onnx")
        torch.onnx.export(model, torch.randn(1, 3, 224, 224), path, input_names=["input"],
                          output_names=["output"], opset_version=13)
        for threads in [int(t) for t in args.threads.split(",")]:
            p50 = {"tessera": [], "onnxruntime": [], "pytorch": []}
            for _ in range(args.rounds):
                r = subprocess.run([args.tessera, "bench", path, "--threads", str(threads),
                                    "--iterations", str(args.iterations), "--json"],
                                   capture_output=True, text=True, check=True)
                p50["tessera"].append(json.loads(r.stdout)["latency_ms"]["p50"])
                r = subprocess.run(["node", ORT_RUNNER, path, str(threads), "1",
                                    str(args.iterations)], capture_output=True, text=True,
                                   check=True)
                p50["onnxruntime"].append(json.loads(r.stdout)["latency_ms"]["p50"])
                p50["pytorch"].append(torch_eager(model, threads, args.iterations)["latency_ms"]["p50"])
            med = {k: statistics.median(v) for k, v in p50.items()}
            row = {"model": name, "threads": threads, "p50_ms": med, "rounds": p50,
                   "tessera_vs_onnxruntime": med["tessera"] / med["onnxruntime"],
                   "tessera_vs_pytorch": med["tessera"] / med["pytorch"]}
            results.append(row)
            print(f"{name:<14} t{threads}  tessera {med['tessera']:8.2f} ms  "
                  f"onnxruntime {med['onnxruntime']:8.2f} ms  pytorch {med['pytorch']:8.2f} ms  "
                  f"tessera/ort {row['tessera_vs_onnxruntime']:.2f}  "
                  f"tessera/pytorch {row['tessera_vs_pytorch']:.2f}", flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"results": results, "iterations": args.iterations,
                       "rounds": args.rounds}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
