#!/usr/bin/python3
"""mobilenet_v2's pointwise convolutions one at a time: each shape becomes a one-layer ONNX
model (Conv 1x1 + Clip(0, 6), seeded weights) timed with `tessera bench --json`, so the
weights are a Session's constants as in the model (the cpu kernels pack frozen weights
once; `tessera bench-ops` calls ops eagerly and cannot show that). With --baseline LIBDIR,
the same binary is also run with LD_LIBRARY_PATH=LIBDIR (a copy of an older
libtessera.so), alternating, for an A/B on the same minute. Prints the minimum over the
rounds of each run's p50, in microseconds.

    pointwise_layers.py TESSERA_BINARY [--baseline LIBDIR] [--shapes 320-1280-7,...]
                        [--threads 1,2] [--rounds 5] [--iterations 300] [--models-dir DIR]
"""
import argparse
import json
import os
import subprocess
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# (inputs, outputs, plane side) of every pointwise layer of mobilenet_v2 with more than 32
# inputs, and the last one.
SHAPES = [(96, 24, 56), (144, 24, 56), (144, 32, 28), (192, 32, 28), (64, 384, 14),
          (192, 64, 14), (384, 64, 14), (384, 96, 14), (96, 576, 14), (576, 96, 14),
          (576, 160, 7), (160, 960, 7), (960, 160, 7), (960, 320, 7), (320, 1280, 7)]


def model(folder, cin, cout, side):
    path = os.path.join(folder, f"pointwise_{cin}_{cout}_{side}.onnx")
    if os.path.exists(path):
        return path
    rng = np.random.default_rng(cin * 10000 + cout)
    inits = [
        numpy_helper.from_array((rng.standard_normal((cout, cin, 1, 1)) * 0.1).astype(np.float32),
                                "w"),
        numpy_helper.from_array(rng.standard_normal(cout).astype(np.float32), "b"),
        numpy_helper.from_array(np.array(0, np.float32), "lo"),
        numpy_helper.from_array(np.array(6, np.float32), "hi"),
    ]
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w", "b"], ["y"], kernel_shape=[1, 1]),
         helper.make_node("Clip", ["y", "lo", "hi"], ["z"])], "pointwise",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, cin, side, side])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [1, cout, side, side])], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    return path


def p50_us(binary, path, threads, iterations, libdir):
    env = dict(os.environ)
    if libdir:
        env["LD_LIBRARY_PATH"] = libdir
    out = subprocess.run([binary, "bench", path, "--threads", str(threads), "--iterations",
                          str(iterations), "--json"], capture_output=True, text=True, env=env,
                         check=True).stdout
    return json.loads(out)["latency_ms"]["p50"] * 1000


def main():
    p = argparse.ArgumentParser()
    p.add_argument("tessera")
    p.add_argument("--baseline", help="folder holding an older libtessera.so")
    p.add_argument("--shapes", help="comma-separated IN-OUT-SIDE, e.g. 320-1280-7")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--iterations", type=int, default=300)
    p.add_argument("--models-dir", default=os.path.join(tempfile.gettempdir(), "tessera-pointwise"))
    args = p.parse_args()
    shapes = SHAPES
    if args.shapes:
        shapes = [tuple(int(v) for v in s.split("-")) for s in args.shapes.split(",")]
    os.makedirs(args.models_dir, exist_ok=True)
    runs = [("baseline", args.baseline)] if args.baseline else []
    runs.append(("tessera", None))
    for cin, cout, side in shapes:
        path = model(args.models_dir, cin, cout, side)
        for threads in (int(t) for t in args.threads.split(",")):
            best = {name: float("inf") for name, _ in runs}
            for _ in range(args.rounds):
                for name, libdir in runs:
                    best[name] = min(best[name],
                                     p50_us(args.tessera, path, threads, args.iterations, libdir))
            cells = "  ".join(f"{name} {us:8.1f}" for name, us in best.items())
            print(f"{cin:4d} -> {cout:4d} at {side:3d}x{side:<3d} t{threads}  {cells}", flush=True)


if __name__ == "__main__":
    main()
