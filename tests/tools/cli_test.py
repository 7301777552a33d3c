#!/usr/bin/python3
"""The `tessera` command line as a user meets it: --help on every command, the model
commands on the bundled model (run, inspect, bench --json, optimize), a model with
sequence and optional values, and failures that end in a non-zero exit and one line
`tessera: error: ...`.

    cli_test.py TESSERA_BINARY REPO_ROOT
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper

failures = []


def check(what, ok, detail=""):
    print(f"{'ok  ' if ok else 'FAIL'} {what}" + (f": {detail}" if not ok and detail else ""))
    if not ok:
        failures.append(what)


def run(*args):
    return subprocess.run([TESSERA, *args], capture_output=True, text=True)


def one_line_error(r):
    lines = r.stderr.strip().splitlines()
    return r.returncode != 0 and len(lines) == 1 and lines[0].startswith("tessera: error: ")


TESSERA, ROOT = sys.argv[1], sys.argv[2]
MODEL = os.path.join(ROOT, "models", "tiny_cnn.onnx")
work = tempfile.mkdtemp(prefix="tessera_cli_")

for cmd in ["", "ops", "run", "inspect", "bench", "optimize", "bench-ops", "demo"]:
    r = run(*([cmd] if cmd else []), "--help")
    check(f"{cmd or 'tessera'} --help", r.returncode == 0 and "Usage" in r.stdout, r.stderr)

# run: seeded random inputs, outputs written as <name>.npy
out = os.path.join(work, "out")
r = run("run", MODEL, "--output-dir", out)
check("run writes its output", r.returncode == 0 and os.path.exists(os.path.join(out, "probabilities.npy")),
      r.stderr)
p = np.load(os.path.join(out, "probabilities.npy"))
check("run's output is a softmax", p.shape == (1, 10) and abs(float(p.sum()) - 1) < 1e-5, str(p))
r2 = run("run", MODEL, "--output-dir", out + "2")
check("run's random inputs are seeded", np.array_equal(p, np.load(os.path.join(out + "2", "probabilities.npy"))))

r = run("inspect", MODEL)
check("inspect", r.returncode == 0 and "opset 13" in r.stdout and "image: float32[batch,3,32,32]" in r.stdout
      and "unsupported: none" in r.stdout, r.stdout + r.stderr)

r = run("bench", MODEL, "--json", "--iterations", "5")
ok = r.returncode == 0
if ok:
    j = json.loads(r.stdout)
    ok = all(k in j for k in ("first_run_ms", "load_ms", "peak_memory_bytes")) and all(
        k in j["latency_ms"] for k in ("p50", "p90", "p99")) and (
        0 <= j["planned_peak_bytes"] <= j["planned_total_bytes"])
check("bench --json", ok, r.stdout + r.stderr)

opt = os.path.join(work, "opt.onnx")
r = run("optimize", MODEL, "-o", opt, "--level", "all")
ok = r.returncode == 0 and os.path.exists(opt)
if ok:
    onnx.checker.check_model(onnx.load(opt))
check("optimize writes a model the onnx checker passes", ok, r.stderr)

# A model whose output is a sequence and whose input is an optional (left empty).
seq = helper.make_node("SplitToSequence", ["x"], ["parts"], axis=0, keepdims=0)
has = helper.make_node("OptionalHasElement", ["o"], ["has"])
g = helper.make_graph([seq, has], "seq",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 2]),
                       helper.make_value_info("o", helper.make_optional_type_proto(
                           helper.make_tensor_type_proto(TensorProto.FLOAT, [2])))],
                      [helper.make_value_info("parts", helper.make_sequence_type_proto(
                          helper.make_tensor_type_proto(TensorProto.FLOAT, [2]))),
                       helper.make_tensor_value_info("has", TensorProto.BOOL, [])])
seq_model = os.path.join(work, "seq.onnx")
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 16)]), seq_model)
r = run("run", seq_model, "--output-dir", os.path.join(work, "seq"))
check("run prints a sequence output", r.returncode == 0 and "parts: a sequence of 3" in r.stdout
      and "input  o: none" in r.stdout, r.stdout + r.stderr)

# Failures: one line, non-zero exit.
bad = os.path.join(work, "bad.onnx")
with open(bad, "wb") as f:
    f.write(b"not a model")
np.save(os.path.join(work, "wrong.npy"), np.zeros((2, 2), np.float32))
for what, args in [
    ("a missing file", ["run", os.path.join(work, "missing.onnx")]),
    ("a corrupt file", ["inspect", bad]),
    ("an unknown input", ["run", MODEL, "--input", "nope=" + os.path.join(work, "wrong.npy")]),
    ("a wrong input shape", ["run", MODEL, "--input", "image=" + os.path.join(work, "wrong.npy")]),
    ("a bad --level", ["optimize", MODEL, "-o", opt, "--level", "max"]),
    ("--threads 0", ["bench", MODEL, "--threads", "0"]),
]:
    r = run(*args)
    check(f"{what}: one-line error", one_line_error(r), f"exit {r.returncode}, stderr {r.stderr!r}")

sys.exit(1 if failures else 0)
