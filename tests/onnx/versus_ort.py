#!/usr/bin/python3
"""Hand-built ONNX models run by tessera and by ONNX Runtime (bench/runners/ort_eval.mjs)
on the same seeded inputs: the cases the conformance data leave out (recurrent layers in
both directions with sequence_lens, peepholes, activation parameters, clip; DFT options;
run-time shapes and indices).
Passes when every output agrees to rtol 1e-4 / atol 1e-5.

    versus_ort.py TESSERA_BINARY
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
ORT_EVAL = os.path.join(HERE, "..", "..", "bench", "runners", "ort_eval.mjs")
S, B, I, H = 4, 3, 5, 6


def run_both(tessera, model, feeds, outs):
    d = tempfile.mkdtemp(prefix="tessera_vs_ort_")
    path = os.path.join(d, "model.onnx")
    onnx.save(model, path)
    with open(os.path.join(d, "inputs.json"), "w") as f:
        json.dump({n: {"type": str(a.dtype), "dims": list(a.shape), "data": a.ravel().tolist()}
                   for n, a in feeds.items()}, f)
    r = subprocess.run(["node", ORT_EVAL, path, os.path.join(d, "inputs.json")],
                       capture_output=True, text=True, check=True)
    ort = json.loads(r.stdout)
    args = [tessera, "run", path, "--output-dir", d]
    for n, a in feeds.items():
        np.save(os.path.join(d, n + ".npy"), a)
        args += ["--input", f"{n}={os.path.join(d, n + '.npy')}"]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode != 0:
        return f"tessera run failed: {r.stderr.strip()}"
    for o in outs:
        want = np.array(ort[o]["data"]).reshape(ort[o]["dims"])
        got = np.load(os.path.join(d, o + ".npy"))
        if got.shape != want.shape:
            return f"{o}: shape {got.shape} where {want.shape} is expected"
        if not np.allclose(got, want, rtol=1e-4, atol=1e-5):
            return f"{o}: max |diff| {np.abs(got - want).max():.3g}"
    return None


def recurrent(rng, op, attrs):
    gates = {"RNN": 1, "GRU": 3, "LSTM": 4}[op]
    dirs = 2 if attrs.get("direction") == "bidirectional" else 1
    feeds = {
        "X": rng.standard_normal((S, B, I)).astype(np.float32),
        "W": (rng.standard_normal((dirs, gates * H, I)) * 0.5).astype(np.float32),
        "R": (rng.standard_normal((dirs, gates * H, H)) * 0.5).astype(np.float32),
        "B": (rng.standard_normal((dirs, 2 * gates * H)) * 0.5).astype(np.float32),
        "L": np.array([4, 2, 1], dtype=np.int32),
        "h0": rng.standard_normal((dirs, B, H)).astype(np.float32),
    }
    outs = ["Y", "Yh"]
    if op == "LSTM":
        feeds["c0"] = rng.standard_normal((dirs, B, H)).astype(np.float32)
        feeds["P"] = rng.standard_normal((dirs, 3 * H)).astype(np.float32)
        outs.append("Yc")
    node = helper.make_node(op, list(feeds), outs, hidden_size=H, **attrs)
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT32 if n == "L" else TensorProto.FLOAT,
                                            a.shape) for n, a in feeds.items()]
    graph = helper.make_graph([node], op.lower(), inputs,
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]), feeds, outs


def single(op, feeds, attrs, opset, outs=("y",)):
    """One node of op over the feeds (graph inputs, in order; an empty name skips a slot)."""
    types = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.bool_): TensorProto.BOOL, np.dtype(np.int64): TensorProto.INT64,
             np.dtype(np.int32): TensorProto.INT32}
    node = helper.make_node(op, list(feeds), list(outs), **attrs)
    inputs = [helper.make_tensor_value_info(n, types[a.dtype], a.shape) for n, a in feeds.items()]
    graph = helper.make_graph([node], op.lower(), inputs,
                              [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)]), feeds, list(outs)


def others(rng):
    """Single-node cases of other lowerings with run-time inputs."""
    f = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    yield "DFT onesided, padded", single("DFT", {"x": f(2, 6, 3, 1), "n": np.array(9, np.int64)},
                                         {"axis": 1, "onesided": 1}, 17)
    yield "DFT complex, truncated", single("DFT", {"x": f(2, 3, 8, 2), "n": np.array(5, np.int64)},
                                           {"axis": 2}, 17)
    yield "DFT inverse", single("DFT", {"x": f(3, 7, 2)}, {"axis": 1, "inverse": 1}, 17)
    yield "ReverseSequence batch_axis=1", single(
        "ReverseSequence", {"x": f(5, 3, 2), "lens": np.array([5, 1, 3], np.int64)},
        {"batch_axis": 1, "time_axis": 0}, 10)
    x = f(2, 3, 6, 6)
    yield "Gather negative run-time indices", single(
        "Gather", {"x": x, "i": np.array([[-1, 0], [2, -6]], np.int64)}, {"axis": 3}, 13)
    yield "Expand two-way", single("Expand", {"x": f(3, 1), "s": np.array([2, 1, 4], np.int64)}, {}, 13)
    yield "Reshape zeros", single("Reshape", {"x": x, "s": np.array([0, 0, -1], np.int64)}, {}, 14)


def control_flow(rng):
    """Scan with reversed inputs and outputs on other axes; a Loop with a constant trip count
    whose body reads an outer value; an If on a graph input."""
    f = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    vi = lambda n, shape: helper.make_tensor_value_info(n, TensorProto.FLOAT, shape)
    body = helper.make_graph(
        [helper.make_node("Add", ["s", "a"], ["s2"]), helper.make_node("Mul", ["s2", "b"], ["o"])],
        "body", [vi("s", [3]), vi("a", [3]), vi("b", [3])], [vi("s2", [3]), vi("o", [3])])
    scan = helper.make_node("Scan", ["init", "xa", "xb"], ["final", "ys"], body=body,
                            num_scan_inputs=2, scan_input_axes=[1, 0], scan_input_directions=[1, 0],
                            scan_output_axes=[1], scan_output_directions=[1])
    feeds = {"init": f(3), "xa": f(3, 4), "xb": f(4, 3)}
    g = helper.make_graph([scan], "scan", [vi(n, a.shape) for n, a in feeds.items()],
                          [vi("final", None), vi("ys", None)])
    yield "Scan", (helper.make_model(g, opset_imports=[helper.make_opsetid("", 16)]), feeds,
                   ["final", "ys"])

    i64 = lambda n, v: helper.make_tensor(n, TensorProto.INT64, [], [v])
    body = helper.make_graph(
        [helper.make_node("Identity", ["c"], ["c2"]), helper.make_node("Mul", ["v", "w"], ["v2"]),
         helper.make_node("Cast", ["i"], ["fi"], to=TensorProto.FLOAT),
         helper.make_node("Add", ["v2", "fi"], ["o"])],
        "body", [helper.make_tensor_value_info("i", TensorProto.INT64, []),
                 helper.make_tensor_value_info("c", TensorProto.BOOL, []), vi("v", [2])],
        [helper.make_tensor_value_info("c2", TensorProto.BOOL, []), vi("v2", [2]), vi("o", [2])])
    loop = helper.make_node("Loop", ["m", "", "v0"], ["vf", "os"], body=body)
    feeds = {"v0": f(2), "w": f(2)}
    g = helper.make_graph([loop], "loop", [vi(n, a.shape) for n, a in feeds.items()],
                          [vi("vf", None), vi("os", None)], initializer=[i64("m", 3)])
    yield "Loop", (helper.make_model(g, opset_imports=[helper.make_opsetid("", 16)]), feeds,
                   ["vf", "os"])

    branch = lambda op: helper.make_graph([helper.make_node(op, ["x", "x"], ["r"])], op,
                                          [], [vi("r", [2, 2])])
    cond = helper.make_node("If", ["c"], ["y"], then_branch=branch("Add"), else_branch=branch("Mul"))
    for c in (True, False):
        feeds = {"c": np.array(c), "x": f(2, 2)}
        g = helper.make_graph([cond], "if", [helper.make_tensor_value_info("c", TensorProto.BOOL, []),
                                             vi("x", [2, 2])], [vi("y", None)])
        yield f"If {c}", (helper.make_model(g, opset_imports=[helper.make_opsetid("", 16)]), feeds, ["y"])


CASES = [
    ("RNN", {"direction": "bidirectional"}),
    ("RNN", {"direction": "reverse", "activations": ["LeakyRelu"], "activation_alpha": [0.1],
             "clip": 1.5}),
    ("RNN", {"direction": "bidirectional", "activations": ["LeakyRelu", "Affine"],
             "activation_alpha": [0.1, 0.5], "activation_beta": [0.2]}),
    ("GRU", {"direction": "bidirectional"}),
    ("GRU", {"direction": "bidirectional", "linear_before_reset": 1}),
    ("GRU", {"activations": ["HardSigmoid", "ScaledTanh"], "activation_alpha": [0.3, 0.7],
             "activation_beta": [0.4, 1.2]}),
    ("LSTM", {"direction": "bidirectional"}),
    ("LSTM", {"direction": "reverse", "input_forget": 1, "clip": 2.0}),
]


def main():
    tessera = sys.argv[1]
    rng = np.random.default_rng(0)
    failed = 0
    for op, attrs in CASES:
        model, feeds, outs = recurrent(rng, op, attrs)
        why = run_both(tessera, model, feeds, outs)
        print(f"{op} {attrs}: {why or 'ok'}")
        failed += why is not None
    for what, (model, feeds, outs) in list(others(rng)) + list(control_flow(rng)):
        why = run_both(tessera, model, feeds, outs)
        print(f"{what}: {why or 'ok'}")
        failed += why is not None
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
