#!/usr/bin/python3
"""Writes the differential test cases: inputs, and what PyTorch (Debian's python3-torch)
computes for them. tests/ops/torch_diff_test.cpp runs each case through tessera's boxed
path and compares. Run by ctest before the differential tests (see tests/CMakeLists.txt).

A case: {"id", "op", "args": [arg...], "kwargs": {name: arg}, "expect": result}
  arg: {"tensor": {"dtype", "shape", "data" (hex, row-major), "layout"}} | {"tensors": [arg...]}
       | {"scalar": x}
       (a wrapped number) | {"int": n} | {"float": x} | {"bool": b} | {"ints": [...]} | {"floats": [...]}
       | {"str": s} | {"dtype": name} | {"none": true}; a float may be "inf" or "-inf"
  layout: "contiguous", "transposed" (the last two dims swapped in memory), "strided"
       (every other element of a buffer twice as long in the last dim), or
       "expanded" (data has "source_shape", broadcast to "shape" with stride 0).
  result: {"tensors": [tensor...]}, {"error": message}, or {"skip": reason}
"""
import argparse
import json
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {
    "bool": torch.bool, "uint8": torch.uint8, "int8": torch.int8, "int16": torch.int16,
    "int32": torch.int32, "int64": torch.int64, "float16": torch.float16,
    "bfloat16": torch.bfloat16, "float32": torch.float32, "float64": torch.float64,
    "complex64": torch.complex64, "complex128": torch.complex128,
}
NAMES = {v: k for k, v in DTYPES.items()}
INTEGRAL = ["uint8", "int8", "int16", "int32", "int64"]
FLOATING = ["float16", "bfloat16", "float32", "float64"]
COMPLEX = ["complex64", "complex128"]
ALL = ["bool"] + INTEGRAL + FLOATING + COMPLEX
REAL = ["bool"] + INTEGRAL + FLOATING


def tensor_bytes(t):
    c = torch.empty(t.shape, dtype=t.dtype)  # row-major strides, whatever t's are
    c.copy_(t)
    return c.reshape(-1).view(torch.uint8).numpy().tobytes().hex()


def encode_tensor(t):
    t = t.contiguous()
    return {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data": tensor_bytes(t)}


class Gen:
    """Deterministic input values per dtype (seeded per case family)."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def values(self, dtype, shape, kind="any"):
        n = int(np.prod(shape)) if shape else 1
        r = self.rng
        if dtype == "bool":
            v = r.integers(0, 2, n).astype(bool)
        elif dtype in INTEGRAL:
            lo, hi = (0, 20) if dtype == "uint8" else (-10, 10)
            if kind == "positive":
                lo, hi = 1, 5
            elif kind == "small":
                lo, hi = (0, 4)
            v = r.integers(lo, hi, n)
            if kind == "nonzero":
                v[v == 0] = 3
        elif dtype in FLOATING:
            v = r.standard_normal(n) * 3
            if kind == "positive":
                v = np.abs(v) + 0.1
            elif kind == "small":
                v = r.uniform(-2, 2, n)
        else:
            v = r.standard_normal(n) * 2 + 1j * r.standard_normal(n) * 2
        t = torch.tensor(v).reshape(shape) if shape else torch.tensor(v.reshape(()))
        return t.to(DTYPES[dtype])


def make_input(t, layout, source=None):
    """The torch tensor a case describes, and its JSON."""
    enc = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "layout": layout}
    if layout == "expanded":
        enc["source_shape"] = list(source.shape)
        enc["data"] = tensor_bytes(source)
        return source.expand(t.shape), {"tensor": enc}
    enc["data"] = tensor_bytes(t)
    if layout == "transposed":
        base = t.transpose(-1, -2).contiguous()
        view = base.transpose(-1, -2)
        assert not view.is_contiguous() or t.numel() <= 1 or min(t.shape[-2:]) <= 1
        return view, {"tensor": enc}
    if layout == "strided":
        shape = list(t.shape)
        shape[-1] *= 2
        base = torch.zeros(shape, dtype=t.dtype)
        base[..., ::2] = t
        return base[..., ::2], {"tensor": enc}
    return t.clone(), {"tensor": enc}


def run(fn):
    try:
        out = fn()
    except Exception as e:  # noqa: BLE001 - every failure of PyTorch is an expected error
        return {"error": str(e).split("\n")[0]}
    if isinstance(out, torch.Tensor):
        out = [out]
    for o in out:
        if o.dtype not in NAMES:  # e.g. complex32, which PyTorch 1.13 has and tessera has not
            return {"skip": f"PyTorch's result dtype {o.dtype} is not a tessera dtype"}
    return {"tensors": [encode_tensor(o.resolve_conj() if o.is_complex() else o) for o in out]}


class Cases:
    def __init__(self):
        self.cases = []
        self.count = {}

    def add(self, op, args, kwargs, fn, tag):
        n = self.count.get((op, tag), 0)
        self.count[(op, tag)] = n + 1
        self.cases.append({"id": f"{op}/{tag}/{n}", "op": op, "args": args, "kwargs": kwargs,
                           "expect": run(fn)})


# Shape pairs for binary ops: (shape a, layout a, shape b, layout b, tag)
BINARY_SHAPES = [
    ([3, 4], "contiguous", [3, 4], "contiguous", "same"),
    ([3, 1], "contiguous", [1, 4], "contiguous", "broadcast"),
    ([2, 3, 4], "contiguous", [4], "contiguous", "broadcast_rank"),
    ([], "contiguous", [3], "contiguous", "zero_dim"),
    ([], "contiguous", [], "contiguous", "both_zero_dim"),
    ([0, 3], "contiguous", [3], "contiguous", "empty"),
    ([4, 3], "transposed", [4, 3], "strided", "noncontiguous"),
    ([2, 3], "expanded", [2, 3], "contiguous", "expanded"),
]


def binary_inputs(g, da, db, spec, kind_b="any", kind_a="any"):
    sa, la, sb, lb, tag = spec
    ta = g.values(da, [1, sa[1]] if la == "expanded" else sa, kind_a)
    tb = g.values(db, sb, kind_b)
    if la == "expanded":
        va, ja = make_input(ta.expand(sa), la, ta)
    else:
        va, ja = make_input(ta, la)
    vb, jb = make_input(tb, lb)
    return va, ja, vb, jb, tag


def gen_binary(cases):
    ops = {
        "add.Tensor": (lambda a, b: torch.add(a, b), {}, "any"),
        "sub.Tensor": (lambda a, b: torch.sub(a, b), {}, "any"),
        "mul.Tensor": (lambda a, b: torch.mul(a, b), {}, "any"),
        "div.Tensor_mode": (lambda a, b: torch.div(a, b), {}, "nonzero"),
        "pow.Tensor_Tensor": (lambda a, b: torch.pow(a, b), {}, "small"),
        "eq.Tensor": (torch.eq, {}, "any"), "ne.Tensor": (torch.ne, {}, "any"),
        "lt.Tensor": (torch.lt, {}, "any"), "le.Tensor": (torch.le, {}, "any"),
        "gt.Tensor": (torch.gt, {}, "any"), "ge.Tensor": (torch.ge, {}, "any"),
        "remainder.Tensor": (torch.remainder, {}, "nonzero"), "fmod.Tensor": (torch.fmod, {}, "nonzero"),
        "atan2": (torch.atan2, {}, "any"), "maximum": (torch.maximum, {}, "any"),
        "minimum": (torch.minimum, {}, "any"), "logical_and": (torch.logical_and, {}, "any"),
        "logical_or": (torch.logical_or, {}, "any"), "logical_xor": (torch.logical_xor, {}, "any"),
        "bitwise_and.Tensor": (torch.bitwise_and, {}, "any"), "bitwise_or.Tensor": (torch.bitwise_or, {}, "any"),
        "bitwise_xor.Tensor": (torch.bitwise_xor, {}, "any"),
        "bitwise_left_shift.Tensor": (torch.bitwise_left_shift, {}, "small"),
        "bitwise_right_shift.Tensor": (torch.bitwise_right_shift, {}, "small"),
    }
    for seed, (op, (fn, kw, kind)) in enumerate(ops.items()):
        g = Gen(100 + seed)
        for d in ALL:
            for spec in BINARY_SHAPES:
                kind_a = "positive" if op.startswith("pow") and d in FLOATING else "any"
                va, ja, vb, jb, tag = binary_inputs(g, d, d, spec, kind, kind_a)
                cases.add(op, [ja, jb], {}, lambda: fn(va, vb), f"{d}/{tag}")
        # Mixed dtypes: promotion, 0-d tensors and wrapped numbers.
        for da, db in [("int32", "float32"), ("uint8", "int8"), ("float16", "bfloat16"), ("bool", "int64"),
                       ("float32", "complex64"), ("int16", "float64"), ("float64", "complex64"),
                       ("uint8", "bool"), ("float16", "float32")]:
            va, ja, vb, jb, tag = binary_inputs(g, da, db, BINARY_SHAPES[1], kind)
            cases.add(op, [ja, jb], {}, lambda: fn(va, vb), f"{da}+{db}")
            va, ja, vb, jb, tag = binary_inputs(g, da, db, BINARY_SHAPES[3], kind)
            cases.add(op, [jb, ja], {}, lambda: fn(vb, va), f"{db}+0d_{da}")
        # Python numbers, where torch takes them (torch.maximum, atan2 and logical_* do not).
        if op.split(".")[0] in ("maximum", "minimum", "atan2", "logical_and", "logical_or", "logical_xor"):
            continue
        for d in ["int8", "uint8", "int64", "float16", "float32", "bool", "complex64"]:
            for s in [3, 2.5, True, -1.5 + 2j]:
                if kind == "nonzero" and not s:
                    continue
                t = g.values(d, [4], "positive" if op.startswith("pow") else "any")
                vt, jt = make_input(t, "contiguous")
                cases.add(op, [jt, {"scalar": s if not isinstance(s, complex) else [s.real, s.imag]}], {},
                          lambda: fn(vt, s), f"{d}+scalar")
    # Special values: NaN, infinities and signed zeros on either side.
    g = Gen(8)
    a = torch.tensor([float("nan"), 1.0, float("-inf"), 0.0, -0.0, 5.5, -5.5, float("inf")])
    b = torch.tensor([1.0, float("nan"), 2.0, -0.0, 0.0, -2.0, 2.0, 3.0])
    for op, fn in [("maximum", torch.maximum), ("minimum", torch.minimum), ("remainder.Tensor", torch.remainder),
                   ("fmod.Tensor", torch.fmod), ("atan2", torch.atan2)]:
        for d in ["float32", "float64", "bfloat16"]:
            va, ja = make_input(a.to(DTYPES[d]), "contiguous")
            vb, jb = make_input(b.to(DTYPES[d]), "contiguous")
            cases.add(op, [ja, jb], {}, lambda: fn(va, vb), f"{d}/special")
    # Shifts across the whole width. Negative amounts and amounts of the width or more are
    # left out: PyTorch 1.13 shifts by them unchecked (undefined in C++; x86 masks the
    # count), tessera gives 0, or the sign, as PyTorch 2 does.
    for op, fn in [("bitwise_left_shift.Tensor", torch.bitwise_left_shift),
                   ("bitwise_right_shift.Tensor", torch.bitwise_right_shift)]:
        for d in INTEGRAL:
            bits = torch.iinfo(DTYPES[d]).bits
            a = torch.tensor([5, 100, 1, 7, 3, 9, 1, 2, 6])
            if d != "uint8":
                a[1::2] *= -1
            b = torch.tensor([0, 1, 2, 3, bits // 2, bits - 3, bits - 2, bits - 1, bits - 1])
            va, ja = make_input(a.to(DTYPES[d]), "contiguous")
            vb, jb = make_input(b.to(DTYPES[d]), "contiguous")
            cases.add(op, [ja, jb], {}, lambda: fn(va, vb), f"{d}/wide")
    # alpha
    g = Gen(7)
    for op, fn in [("add.Tensor", torch.add), ("sub.Tensor", torch.sub)]:
        for d in ["int32", "float32", "complex64", "bfloat16"]:
            for alpha in [2, 0.5, -3]:
                va, ja, vb, jb, tag = binary_inputs(g, d, d, BINARY_SHAPES[1])
                arg = {"int": alpha} if isinstance(alpha, int) else {"float": alpha}
                cases.add(op, [ja, jb], {"alpha": arg}, lambda: fn(va, vb, alpha=alpha), f"{d}/alpha")
    # rounding modes
    for mode in ["floor", "trunc"]:
        g = Gen(hash(mode) % 1000)
        for d in ALL:
            for spec in BINARY_SHAPES:
                va, ja, vb, jb, tag = binary_inputs(g, d, d, spec, "nonzero")
                cases.add("div.Tensor_mode", [ja, jb], {"rounding_mode": {"str": mode}},
                          lambda: torch.div(va, vb, rounding_mode=mode), f"{d}/{mode}/{tag}")


UNARY_SHAPES = [([3, 4], "contiguous", "plain"), ([], "contiguous", "zero_dim"), ([0, 2], "contiguous", "empty"),
                ([3, 4], "transposed", "transposed"), ([2, 3], "strided", "strided")]


# Unary ops called as torch.<name> and as torch.nn.functional.<name>.
UNARY_TORCH = ["neg", "abs", "sign", "reciprocal", "sqrt", "rsqrt", "exp", "exp2", "expm1", "log", "log2", "log10",
               "log1p", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh",
               "atanh", "erf", "erfc", "floor", "ceil", "round", "trunc", "frac", "sigmoid", "relu", "logical_not",
               "bitwise_not", "isnan", "isinf", "isfinite", "conj", "real", "imag", "angle"]
UNARY_F = ["silu", "selu", "mish", "softsign", "hardsigmoid", "hardswish"]
# Activations with parameters: (op, torch call, [(kwargs for tessera, kwargs for torch)]).
PARAM_ACTIVATIONS = [
    ("clamp", torch.clamp, [({"min": {"int": -1}}, {"min": -1}), ({"max": {"float": 0.5}}, {"max": 0.5}),
                            ({"min": {"float": -1.5}, "max": {"int": 2}}, {"min": -1.5, "max": 2}),
                            ({"min": {"int": 2}, "max": {"int": 1}}, {"min": 2, "max": 1}),
                            ({}, {})]),
    ("hardtanh", F.hardtanh, [({}, {}), ({"min_val": {"int": -2}, "max_val": {"int": 3}},
                                         {"min_val": -2, "max_val": 3})]),
    ("leaky_relu", F.leaky_relu, [({}, {}), ({"negative_slope": {"float": 0.2}}, {"negative_slope": 0.2})]),
    ("elu", F.elu, [({}, {}), ({"alpha": {"float": 0.5}}, {"alpha": 0.5})]),
    ("celu", F.celu, [({}, {}), ({"alpha": {"float": 2.0}}, {"alpha": 2.0})]),
    ("gelu", F.gelu, [({}, {}), ({"approximate": {"str": "tanh"}}, {"approximate": "tanh"}),
                      ({"approximate": {"str": "cubic"}}, {"approximate": "cubic"})]),
    ("softplus", F.softplus, [({}, {}), ({"beta": {"int": 2}, "threshold": {"int": 3}},
                                         {"beta": 2, "threshold": 3})]),
]


def gen_activations(cases):
    g = Gen(350)
    for op, fn, variants in PARAM_ACTIVATIONS:
        for kw, tkw in variants:
            for d in ALL:
                for shape, layout, tag in UNARY_SHAPES:
                    v, j = make_input(g.values(d, shape), layout)
                    cases.add(op, [j], kw, lambda: fn(v, **tkw), f"{d}/{tag}")
            for d in ["float32", "float64", "bfloat16"]:
                t = torch.tensor([0.0, -0.0, 1.0, -1.0, 25.0, -25.0, float("inf"), float("-inf"), float("nan")])
                v, j = make_input(t.to(DTYPES[d]), "contiguous")
                cases.add(op, [j], kw, lambda: fn(v, **tkw), f"{d}/special")


def gen_unary(cases):
    ops = {name: getattr(torch, name) for name in UNARY_TORCH}
    ops.update({name: getattr(F, name) for name in UNARY_F})
    for seed, (op, fn) in enumerate(ops.items()):
        g = Gen(300 + seed)
        for d in ALL:
            for shape, layout, tag in UNARY_SHAPES:
                v, j = make_input(g.values(d, shape), layout)
                cases.add(op, [j], {}, lambda: fn(v), f"{d}/{tag}")
        # Special values for the floating ones. Complex zeros and infinities are left out
        # where PyTorch's vectorised complex kernels and C99 Annex G (std::complex, which
        # tessera follows) disagree: exp(inf+0j) is inf-nanj in PyTorch, inf+0j in C99;
        # 1/(0+0j) is nan+nanj in PyTorch, inf+nanj in C99; and so on.
        c99 = op in ("exp", "asin", "atan", "log2", "reciprocal", "rsqrt", "sigmoid")
        for d in ["float32", "float64", "float16"] + ([] if c99 else ["complex64"]):
            t = torch.tensor([0.0, -0.0, 1.0, -1.0, float("inf"), float("-inf"), float("nan"), 1e-3]).to(DTYPES[d])
            v, j = make_input(t, "contiguous")
            cases.add(op, [j], {}, lambda: fn(v), f"{d}/special")


def gen_pointwise(cases):
    g = Gen(450)
    for d in ALL:
        for spec in BINARY_SHAPES:
            va, ja, vb, jb, tag = binary_inputs(g, d, d, spec)
            shape = list(torch.broadcast_shapes(va.shape, vb.shape))
            vw, jw = make_input(g.values(d, shape[-1:] if shape else [], "small"), "contiguous")
            cases.add("lerp.Tensor", [ja, jb, jw], {}, lambda: torch.lerp(va, vb, vw), f"{d}/{tag}")
            for w in [0.25, 0.75]:
                cases.add("lerp.Scalar", [ja, jb, {"float": w}], {}, lambda: torch.lerp(va, vb, w), f"{d}/{tag}")
            vc, jc = make_input(g.values(d, shape[-1:] if shape else []), "contiguous")
            cases.add("addcmul", [ja, jb, jc], {}, lambda: torch.addcmul(va, vb, vc), f"{d}/{tag}")
            for value in [2, -0.5]:
                arg = {"int": value} if isinstance(value, int) else {"float": value}
                cases.add("addcmul", [ja, jb, jc], {"value": arg}, lambda: torch.addcmul(va, vb, vc, value=value),
                          f"{d}/value/{tag}")
    for da, db in [("float32", "float64"), ("float16", "float32")]:
        va, ja = make_input(g.values(da, [3]), "contiguous")
        vb, jb = make_input(g.values(db, [3]), "contiguous")
        cases.add("lerp.Scalar", [ja, jb, {"float": 0.5}], {}, lambda: torch.lerp(va, vb, 0.5), f"{da}+{db}")
        cases.add("lerp.Tensor", [ja, ja, jb], {}, lambda: torch.lerp(va, va, vb), f"{da}+{db}")
        cases.add("addcmul", [ja, jb, jb], {}, lambda: torch.addcmul(va, vb, vb), f"{da}+{db}")
    for d in ALL:
        for shape, wshape, tag in [([2, 3, 4], [3], "channels"), ([2, 3, 4], [1], "shared"), ([5], [1], "vector"),
                                   ([2, 3], [], "zero_dim_weight"), ([0, 3], [3], "empty"), ([2, 3], [4], "mismatch")]:
            vx, jx = make_input(g.values(d, shape), "contiguous")
            vw, jw = make_input(g.values(d, wshape, "small"), "contiguous")
            cases.add("prelu", [jx, jw], {}, lambda: torch.prelu(vx, vw), f"{d}/{tag}")
        vx, jx = make_input(g.values(d, [4, 3]), "transposed")
        vw, jw = make_input(g.values(d, [3], "small"), "contiguous")
        cases.add("prelu", [jx, jw], {}, lambda: torch.prelu(vx, vw), f"{d}/transposed")


def gen_where(cases):
    g = Gen(400)
    for d in ALL:
        for spec in BINARY_SHAPES:
            va, ja, vb, jb, tag = binary_inputs(g, d, d, spec)
            shape = list(torch.broadcast_shapes(va.shape, vb.shape))
            c = g.values("bool", shape)
            vc, jc = make_input(c, "contiguous")
            cases.add("where.self", [jc, ja, jb], {}, lambda: torch.where(vc, va, vb), f"{d}/{tag}")
    for da, db in [("int32", "float32"), ("uint8", "int8"), ("bool", "float16"), ("float64", "complex64")]:
        va, ja, vb, jb, tag = binary_inputs(g, da, db, BINARY_SHAPES[1])
        c = g.values("bool", [3, 4])
        vc, jc = make_input(c, "contiguous")
        cases.add("where.self", [jc, ja, jb], {}, lambda: torch.where(vc, va, vb), f"{da}+{db}")
    c = g.values("float32", [3])
    vc, jc = make_input(c, "contiguous")
    va, ja = make_input(g.values("float32", [3]), "contiguous")
    cases.add("where.self", [jc, ja, ja], {}, lambda: torch.where(vc, va, va), "float_condition")


REDUCE_INPUTS = [([2, 3, 4], "contiguous", "plain"), ([], "contiguous", "zero_dim"), ([0, 3], "contiguous", "empty"),
                 ([3, 4], "transposed", "transposed")]


def gen_reduce(cases):
    g = Gen(500)
    for op, fn in [("sum", torch.sum), ("mean", torch.mean)]:
        for d in ALL:
            for shape, layout, tag in REDUCE_INPUTS:
                v, j = make_input(g.values(d, shape), layout)
                nd = len(shape)
                dims = [None, [0], [-1]] + ([[0, 2], [1]] if nd == 3 else [])
                for dim in dims:
                    if nd == 0 and dim not in (None, [0], [-1]):
                        continue
                    for keepdim in [False, True]:
                        kw = {"keepdim": {"bool": keepdim}}
                        if dim is not None:
                            kw["dim"] = {"ints": dim}
                        call = (lambda: fn(v)) if dim is None and not keepdim else \
                            (lambda: fn(v, dim=dim if dim is not None else list(range(nd)), keepdim=keepdim))
                        if dim is None and keepdim and nd == 0:
                            continue
                        cases.add(op, [j], kw, call, f"{d}/{tag}")
            # dtype argument
            v, j = make_input(g.values(d, [3, 4]), "contiguous")
            for out in ["float64", "int64", "complex128"]:
                cases.add(op, [j], {"dtype": {"dtype": out}}, lambda: fn(v, dtype=DTYPES[out]), f"{d}/dtype_{out}")
    for op, fn in [("max", torch.max), ("min", torch.min)]:
        for d in ALL:
            for shape, layout, tag in REDUCE_INPUTS:
                v, j = make_input(g.values(d, shape), layout)
                cases.add(op, [j], {}, lambda: fn(v), f"{d}/{tag}")
                for dim in ([0, -1] if shape else [0]):
                    for keepdim in [False, True]:
                        cases.add(op + ".dim", [j, {"int": dim}], {"keepdim": {"bool": keepdim}},
                                  lambda: tuple(fn(v, dim, keepdim)), f"{d}/{tag}")
        t = torch.tensor([[1.0, float("nan"), 3.0], [2.0, 5.0, 5.0]])
        v, j = make_input(t, "contiguous")
        cases.add(op, [j], {}, lambda: fn(v), "nan")
        cases.add(op + ".dim", [j, {"int": 1}], {}, lambda: tuple(fn(v, 1)), "nan")
    for d in ALL:
        for shape, layout, tag in REDUCE_INPUTS:
            v, j = make_input(g.values(d, shape), layout)
            for dim in [None, 0, -1]:
                for keepdim in [False, True]:
                    kw = {"keepdim": {"bool": keepdim}}
                    if dim is not None:
                        kw["dim"] = {"int": dim}
                    cases.add("argmax", [j], kw, lambda: torch.argmax(v, dim=dim, keepdim=keepdim), f"{d}/{tag}")
    t = torch.tensor([[1, 3, 3], [float("nan"), 0, float("nan")]])
    v, j = make_input(t, "contiguous")
    for dim in [None, 1]:
        kw = {} if dim is None else {"dim": {"int": dim}}
        cases.add("argmax", [j], kw, lambda: torch.argmax(v, dim=dim), "ties_nan")


def dim_kwargs(dim, keepdim, name="dim"):
    kw = {"keepdim": {"bool": keepdim}}
    if dim is not None:
        kw[name] = {"ints": dim} if isinstance(dim, list) else {"int": dim}
    return kw


def gen_reduce_more(cases):
    g = Gen(550)
    special = torch.tensor([[1.0, float("nan"), 3.0], [2.0, 5.0, -float("inf")], [float("inf"), 1.0, 0.0]])
    for d in ALL:
        for shape, layout, tag in REDUCE_INPUTS:
            v, j = make_input(g.values(d, shape, "small"), layout)
            nd = len(shape)
            multi = [None, [0], [-1]] + ([[0, 2]] if nd == 3 else [])
            for dim in multi:
                for keepdim in [False, True]:
                    # torch 1.13's any/all take one dim (or none).
                    if dim is None and not keepdim:
                        cases.add("any", [j], {}, lambda: torch.any(v), f"{d}/{tag}")
                        cases.add("all", [j], {}, lambda: torch.all(v), f"{d}/{tag}")
                    elif dim is not None and len(dim) == 1:
                        kw = dim_kwargs(dim, keepdim)
                        cases.add("any", [j], kw, lambda: torch.any(v, dim[0], keepdim), f"{d}/{tag}")
                        cases.add("all", [j], kw, lambda: torch.all(v, dim[0], keepdim), f"{d}/{tag}")
                    amax_kw = dim_kwargs(dim if dim is not None else [], keepdim)
                    cases.add("amax", [j], amax_kw, lambda: torch.amax(v, dim if dim is not None else [], keepdim),
                              f"{d}/{tag}")
                    cases.add("amin", [j], amax_kw, lambda: torch.amin(v, dim if dim is not None else [], keepdim),
                              f"{d}/{tag}")
                    if dim is not None:
                        cases.add("logsumexp", [j], dim_kwargs(dim, keepdim),
                                  lambda: torch.logsumexp(v, dim, keepdim), f"{d}/{tag}")
                    for correction in [None, 0, 2]:
                        kw = dim_kwargs(dim, keepdim)
                        if correction is not None:
                            kw["correction"] = {"int": correction}
                        for op, fn in [("var.correction", torch.var), ("std.correction", torch.std)]:
                            cases.add(op, [j], kw, lambda: fn(v, dim, correction=correction, keepdim=keepdim),
                                      f"{d}/{tag}")
                    for p in [2, 1, float("inf"), -float("inf"), 0, 3]:
                        kw = dim_kwargs(dim, keepdim)
                        kw["ord"] = {"float": str(p)} if isinstance(p, float) else {"int": p}
                        cases.add("linalg_vector_norm", [j], kw,
                                  lambda: torch.linalg.vector_norm(v, p, dim, keepdim), f"{d}/{tag}")
            for dim in ([0, -1] if nd else [0]):
                for keepdim in [False, True]:
                    kw = dim_kwargs(dim, keepdim)
                    cases.add("argmin", [j], kw, lambda: torch.argmin(v, dim, keepdim), f"{d}/{tag}")
                    cases.add("prod.dim_int", [j, {"int": dim}], {"keepdim": {"bool": keepdim}},
                              lambda: torch.prod(v, dim, keepdim), f"{d}/{tag}")
                cases.add("cumsum", [j, {"int": dim}], {}, lambda: torch.cumsum(v, dim), f"{d}/{tag}")
                cases.add("cumprod", [j, {"int": dim}], {}, lambda: torch.cumprod(v, dim), f"{d}/{tag}")
            cases.add("prod", [j], {}, lambda: torch.prod(v), f"{d}/{tag}")
            cases.add("argmin", [j], {}, lambda: torch.argmin(v), f"{d}/{tag}")
        v, j = make_input(g.values(d, [3, 4], "small"), "contiguous")
        for out in ["float64", "int64"]:
            cases.add("prod", [j], {"dtype": {"dtype": out}}, lambda: torch.prod(v, dtype=DTYPES[out]),
                      f"{d}/dtype_{out}")
            cases.add("cumsum", [j, {"int": 1}], {"dtype": {"dtype": out}},
                      lambda: torch.cumsum(v, 1, dtype=DTYPES[out]), f"{d}/dtype_{out}")
    for d in ["float32", "float64"]:
        v, j = make_input(special.to(DTYPES[d]), "contiguous")
        for dim in [0, 1]:
            cases.add("amax", [j], dim_kwargs([dim], False), lambda: torch.amax(v, [dim]), f"{d}/special")
            cases.add("argmin", [j], dim_kwargs(dim, False), lambda: torch.argmin(v, dim), f"{d}/special")
            cases.add("logsumexp", [j], dim_kwargs([dim], False), lambda: torch.logsumexp(v, [dim]),
                      f"{d}/special")
            cases.add("cumsum", [j, {"int": dim}], {}, lambda: torch.cumsum(v, dim), f"{d}/special")
    # Large values: logsumexp must not overflow; var of values far from zero.
    v, j = make_input(torch.tensor([[1000.0, 1000.5, 999.0], [-1000.0, -1001.0, -999.0]]), "contiguous")
    cases.add("logsumexp", [j], dim_kwargs([1], False), lambda: torch.logsumexp(v, [1]), "large")
    v, j = make_input(torch.tensor([1e6 + 1, 1e6 + 2, 1e6 + 3, 1e6 + 4]), "contiguous")
    cases.add("var.correction", [j], {}, lambda: torch.var(v), "offset")


def opt_tensor(t):
    return {"none": True} if t is None else make_input(t, "contiguous")[1]


def rms_norm_reference(x, shape, w, eps):
    """torch.nn.functional.rms_norm (PyTorch 2.4), which Debian's torch 1.13 has not."""
    if eps is None:
        eps = torch.finfo(x.dtype).eps
    dims = list(range(x.dim() - len(shape), x.dim()))
    xd = x.double()
    y = xd * torch.rsqrt(xd.pow(2).mean(dims, keepdim=True) + eps)
    if w is not None:
        y = y * w.double()
    return y.to(x.dtype)


def in_double(fn, *tensors):
    """fn computed in float64 and rounded to the inputs' dtype: the reference for reduced-
    precision normalisation, where PyTorch 1.13 rounds intermediates to bfloat16 (its
    bfloat16 layer_norm is off by up to 0.05 on values near 11)."""
    dtype = next(t.dtype for t in tensors if t is not None)
    return fn(*[None if t is None else t.double() for t in tensors]).to(dtype)


def gen_nn(cases):
    g = Gen(800)
    for d in ALL:
        for shape, layout, tag in UNARY_SHAPES:
            v, j = make_input(g.values(d, shape), layout)
            for dim in ([0, -1] if shape else [0]):
                cases.add("softmax.int", [j, {"int": dim}], {}, lambda: torch.softmax(v, dim), f"{d}/{tag}")
                cases.add("log_softmax.int", [j, {"int": dim}], {}, lambda: torch.log_softmax(v, dim), f"{d}/{tag}")
        v, j = make_input(g.values(d, [2, 3]), "contiguous")
        cases.add("softmax.int", [j, {"int": 1}], {"dtype": {"dtype": "float64"}},
                  lambda: torch.softmax(v, 1, dtype=torch.float64), f"{d}/dtype")
    for d in ["float32", "float64"]:
        t = torch.tensor([[0.0, float("-inf"), 1.0], [float("-inf")] * 3, [1000.0, 1000.0, -1000.0]]).to(DTYPES[d])
        v, j = make_input(t, "contiguous")
        cases.add("softmax.int", [j, {"int": 1}], {}, lambda: torch.softmax(v, 1), f"{d}/special")
        cases.add("log_softmax.int", [j, {"int": 1}], {}, lambda: torch.log_softmax(v, 1), f"{d}/special")
    for d in ALL:
        for shape, norm, layout, tag in [([2, 3, 4], [4], "contiguous", "last"), ([2, 3, 4], [3, 4], "contiguous", "two"),
                                         ([4, 3], [3], "transposed", "transposed"), ([0, 4], [4], "contiguous", "empty"),
                                         ([2, 3], [4], "contiguous", "mismatch")]:
            v, j = make_input(g.values(d, shape), layout)
            for affine in [False, True]:
                w = g.values(d, norm) if affine else None
                b = g.values(d, norm) if affine else None
                for eps in [1e-5, 0.1]:
                    ln = lambda x, w, b: torch.nn.functional.layer_norm(x, norm, w, b, eps)  # noqa: E731
                    cases.add("layer_norm", [j, {"ints": norm}, opt_tensor(w), opt_tensor(b)], {"eps": {"float": eps}},
                              lambda: in_double(ln, v, w, b) if d in ("bfloat16", "float16") else ln(v, w, b),
                              f"{d}/{tag}")
                for eps in [None, 1e-3]:
                    kw = {} if eps is None else {"eps": {"float": eps}}
                    if d in FLOATING and tag != "mismatch":
                        cases.add("rms_norm", [j, {"ints": norm}, opt_tensor(w)], kw,
                                  lambda: rms_norm_reference(v, norm, w, eps), f"{d}/{tag}")
        for shape, groups, tag in [([2, 6, 5], 3, "1d"), ([2, 4, 3, 3], 2, "2d"), ([1, 4], 2, "no_spatial"),
                                   ([2, 6, 5], 4, "indivisible"), ([0, 4, 2], 2, "empty_batch")]:
            v, j = make_input(g.values(d, shape), "contiguous")
            for affine in [False, True]:
                w = g.values(d, [shape[1]]) if affine else None
                b = g.values(d, [shape[1]]) if affine else None
                gn = lambda x, w, b: torch.nn.functional.group_norm(x, groups, w, b)  # noqa: E731
                cases.add("group_norm", [j, {"int": groups}, opt_tensor(w), opt_tensor(b)], {},
                          lambda: in_double(gn, v, w, b) if d in ("bfloat16", "float16") else gn(v, w, b),
                          f"{d}/{tag}")
                # (PyTorch's instance_norm fails on an empty batch with weights: an indexing bug.)
                if tag != "no_spatial" and not (tag == "empty_batch" and affine):
                    cases.add("instance_norm", [j, opt_tensor(w), opt_tensor(b)], {},
                              lambda: torch.nn.functional.instance_norm(v, weight=w, bias=b), f"{d}/{tag}")
                rm = g.values(d, [shape[1]])
                rv = g.values(d, [shape[1]], "positive")
                cases.add("batch_norm", [j, opt_tensor(w), opt_tensor(b), opt_tensor(rm), opt_tensor(rv)], {},
                          lambda: torch.nn.functional.batch_norm(v, rm, rv, w, b, False), f"{d}/{tag}")
        v, j = make_input(g.values(d, [2, 3, 4]), "transposed")
        rm, rv = g.values(d, [3]), g.values(d, [3], "positive")
        cases.add("batch_norm", [j, {"none": True}, {"none": True}, opt_tensor(rm), opt_tensor(rv)],
                  {"eps": {"float": 0.01}}, lambda: torch.nn.functional.batch_norm(v, rm, rv, eps=0.01),
                  f"{d}/transposed")


def gen_shape(cases):
    g = Gen(900)
    for d in ALL:
        v, j = make_input(g.values(d, [2, 3, 4]), "contiguous")
        vt, jt = make_input(g.values(d, [3, 4]), "transposed")
        v0, j0 = make_input(g.values(d, []), "contiguous")
        ve, je = make_input(g.values(d, [0, 3]), "contiguous")
        tag = d
        cases.add("reshape", [j, {"ints": [4, -1]}], {}, lambda: v.reshape(4, -1), tag)
        cases.add("reshape", [jt, {"ints": [12]}], {}, lambda: vt.reshape(12), tag + "/transposed")
        cases.add("reshape", [j, {"ints": [5, -1]}], {}, lambda: v.reshape(5, -1), tag + "/bad")
        cases.add("flatten.using_ints", [j, {"int": 1}], {}, lambda: v.flatten(1), tag)
        cases.add("flatten.using_ints", [j0], {}, lambda: v0.flatten(), tag + "/zero_dim")
        cases.add("squeeze", [make_input(v.reshape(2, 1, 3, 1, 4), "contiguous")[1]], {},
                  lambda: v.reshape(2, 1, 3, 1, 4).squeeze(), tag)
        cases.add("squeeze.dim", [make_input(v.reshape(2, 1, 12), "contiguous")[1], {"int": 1}], {},
                  lambda: v.reshape(2, 1, 12).squeeze(1), tag)
        cases.add("unsqueeze", [j, {"int": -1}], {}, lambda: v.unsqueeze(-1), tag)
        cases.add("transpose.int", [j, {"int": 0}, {"int": 2}], {}, lambda: v.transpose(0, 2), tag)
        cases.add("permute", [j, {"ints": [2, 0, 1]}], {}, lambda: v.permute(2, 0, 1), tag)
        cases.add("permute", [j, {"ints": [0, 0, 1]}], {}, lambda: v.permute(0, 0, 1), tag + "/bad")
        cases.add("expand", [make_input(v[:, :1], "contiguous")[1], {"ints": [3, 2, 5, 4]}], {},
                  lambda: v[:, :1].expand(3, 2, 5, 4), tag)
        for start, end, step in [(None, None, 2), (1, None, 1), (-3, -1, 1), (0, 100, 3)]:
            cases.add("slice.Tensor", [j], {"dim": {"int": 2}, "start": {"int": start} if start is not None else
                                            {"none": True}, "end": {"int": end} if end is not None else {"none": True},
                                            "step": {"int": step}}, lambda: v[:, :, start:end:step], tag)
        for reps in [[2, 1, 3], [2, 1, 1, 2], [0, 1, 1]]:
            cases.add("repeat", [j, {"ints": reps}], {}, lambda: v.repeat(*reps), tag)
        cases.add("repeat", [j, {"ints": [2]}], {}, lambda: v.repeat(2), tag + "/bad")
        cases.add("repeat", [jt, {"ints": [1, 2]}], {}, lambda: vt.repeat(1, 2), tag + "/transposed")
        for dims in [[2], [2, 1, 1, 2], []]:
            cases.add("tile", [j, {"ints": dims}], {}, lambda: v.tile(dims), tag)
        for dim in [0, 1, -1]:
            parts = [v, v[:, :2] if dim == 1 else v, torch.zeros(0, dtype=v.dtype)]
            if dim == 1:
                parts = [v, v[:, :2]]
            jparts = {"tensors": [make_input(p, "contiguous")[1] for p in parts]}
            cases.add("cat", [jparts, {"int": dim}], {}, lambda: torch.cat(parts, dim), tag)
            cases.add("stack", [{"tensors": [j, j]}, {"int": dim}], {}, lambda: torch.stack([v, v], dim), tag)
        cases.add("cat", [{"tensors": [j, jt]}, {"int": 0}], {}, lambda: torch.cat([v, vt], 0), tag + "/bad")
        cases.add("cat", [{"tensors": [jt, make_input(vt.to(torch.float64), "contiguous")[1]]}, {"int": 1}], {},
                  lambda: torch.cat([vt, vt.to(torch.float64)], 1), tag + "/promote")
        cases.add("stack", [{"tensors": [j0, j0]}], {}, lambda: torch.stack([v0, v0]), tag + "/zero_dim")
        for size, dim in [(2, 2), (3, 1), (5, 0), (1, -1)]:
            cases.add("split.Tensor", [j, {"int": size}, {"int": dim}], {}, lambda: v.split(size, dim), tag)
        cases.add("split_with_sizes", [j, {"ints": [1, 3]}, {"int": 2}], {}, lambda: v.split([1, 3], 2), tag)
        cases.add("split_with_sizes", [j, {"ints": [1, 2]}, {"int": 2}], {}, lambda: v.split([1, 2], 2), tag + "/bad")
        for chunks, dim in [(2, 2), (3, 2), (5, 1), (1, 0)]:
            cases.add("chunk", [j, {"int": chunks}, {"int": dim}], {}, lambda: v.chunk(chunks, dim), tag)
        cases.add("chunk", [je, {"int": 2}], {}, lambda: ve.chunk(2), tag + "/empty")
        for dims in [[0], [1, 2], [-1], []]:
            cases.add("flip", [j, {"ints": dims}], {}, lambda: v.flip(dims), tag)
        cases.add("flip", [jt, {"ints": [0]}], {}, lambda: vt.flip([0]), tag + "/transposed")
        for shifts, dims in [([1], [0]), ([-5], [2]), ([2, 1], [1, 2]), ([3], [])]:
            cases.add("roll", [j, {"ints": shifts}, {"ints": dims}], {}, lambda: v.roll(shifts, dims), tag)
        for diag in [0, 1, -1, 5]:
            for op, fn in [("tril", torch.tril), ("triu", torch.triu)]:
                cases.add(op, [j, {"int": diag}], {}, lambda: fn(v, diag), tag)
                cases.add(op, [jt, {"int": diag}], {}, lambda: fn(vt, diag), tag + "/transposed")
        cases.add("tril", [j0], {}, lambda: torch.tril(v0), tag + "/zero_dim")
        cases.add("clone", [jt], {}, lambda: vt.clone(), tag)
        va, ja = make_input(g.values(d, [3]), "contiguous")
        vb, jb = make_input(g.values(d, [2]), "contiguous")
        for indexing in ["ij", "xy"]:
            cases.add("meshgrid.indexing", [{"tensors": [ja, jb, j0]}], {"indexing": {"str": indexing}},
                      lambda: torch.meshgrid(va, vb, v0, indexing=indexing), tag)
    idx = torch.tensor([[0, 2], [1, 4]])
    vi, ji = make_input(idx, "contiguous")
    for n in [-1, 5, 6, 3]:
        cases.add("one_hot", [ji, {"int": n}], {}, lambda: torch.nn.functional.one_hot(vi, n), f"classes_{n}")
    vi, ji = make_input(torch.tensor([1, -1]), "contiguous")
    cases.add("one_hot", [ji, {"int": 3}], {}, lambda: torch.nn.functional.one_hot(vi, 3), "negative")
    vi, ji = make_input(torch.tensor([1, 2], dtype=torch.int32), "contiguous")
    cases.add("one_hot", [ji], {}, lambda: torch.nn.functional.one_hot(vi), "int32")


def distinct_values(d, shape, g):
    """Values with no ties (a shuffled range), so sort and topk orders are unambiguous."""
    n = int(np.prod(shape)) if shape else 1
    v = torch.tensor(g.rng.permutation(n) - n // 3)
    if d == "uint8":
        v = v - v.min()
    return v.reshape(shape).to(DTYPES[d]) if d not in FLOATING else (v.double() * 0.75).reshape(shape).to(DTYPES[d])


def gen_indexing(cases):
    g = Gen(1000)
    idx_t = lambda t: make_input(t, "contiguous")  # noqa: E731
    for d in ALL:
        v, j = make_input(g.values(d, [3, 4]), "contiguous")
        vt, jt = make_input(g.values(d, [3, 4]), "transposed")
        v0, j0 = make_input(g.values(d, []), "contiguous")
        ix = torch.tensor([[0, 2, 1], [3, 3, 0]])
        vi, ji = idx_t(ix)
        for dim in [0, 1]:
            ixd = ix if dim == 1 else ix.clamp(max=2)
            vi, ji = idx_t(ixd)
            cases.add("gather", [j, {"int": dim}, ji], {}, lambda: torch.gather(v, dim, vi), d)
            cases.add("gather", [jt, {"int": dim}, ji], {}, lambda: torch.gather(vt, dim, vi), d + "/transposed")
            src, js = make_input(g.values(d, [2, 3]), "contiguous")
            # scatter with repeated targets is order-dependent; rows of distinct targets only.
            uix = torch.tensor([[0, 2, 1], [1, 0, 2]]) if dim == 1 else torch.tensor([[0, 1, 2], [2, 0, 1]])
            vu, ju = idx_t(uix)
            cases.add("scatter.src", [j, {"int": dim}, ju, js], {}, lambda: torch.scatter(v, dim, vu, src), d)
            cases.add("scatter.value", [j, {"int": dim}, ju, {"float": 1.5}], {},
                      lambda: torch.scatter(v, dim, vu, 1.5), d)
            cases.add("scatter_add", [j, {"int": dim}, ji, js], {}, lambda: torch.scatter_add(v, dim, vi, src), d)
        bad, jb = idx_t(torch.tensor([[0, 7]]))
        cases.add("gather", [j, {"int": 1}, jb], {}, lambda: torch.gather(v, 1, bad), d + "/out_of_range")
        i32, j32 = idx_t(torch.tensor([[0, 1]], dtype=torch.int32))
        cases.add("gather", [j, {"int": 1}, j32], {}, lambda: torch.gather(v, 1, i32), d + "/int32_index")
        cases.add("gather", [j0, {"int": 0}, idx_t(torch.tensor(0))[1]], {},
                  lambda: torch.gather(v0, 0, torch.tensor(0)), d + "/zero_dim")
        for index in [torch.tensor([2, 0, 2]), torch.tensor([1], dtype=torch.int32), torch.tensor([], dtype=torch.int64),
                      torch.tensor(1), torch.tensor([-1])]:
            vi, ji = idx_t(index)
            for dim in [0, 1]:
                cases.add("index_select", [j, {"int": dim}, ji], {}, lambda: torch.index_select(v, dim, vi), d)
                cases.add("index_select", [jt, {"int": dim}, ji], {}, lambda: torch.index_select(vt, dim, vi),
                          d + "/transposed")
        vi, ji = idx_t(torch.tensor([3]))
        cases.add("index_select", [j, {"int": 0}, ji], {}, lambda: torch.index_select(v, 0, vi), d + "/out_of_range")
        for mshape in [[3, 4], [4], [3, 1], []]:
            vm, jm = make_input(g.values("bool", mshape), "contiguous")
            for value in [2, -1.5, True]:
                arg = {"int": value} if type(value) is int else {"float": value} if type(value) is float else {"bool": value}
                cases.add("masked_fill.Scalar", [j, jm, arg], {}, lambda: v.masked_fill(vm, value), d)
        vm, jm = make_input(g.values("bool", [5]), "contiguous")
        cases.add("masked_fill.Scalar", [j, jm, {"int": 0}], {}, lambda: v.masked_fill(vm, 0), d + "/bad_mask")
        for t, layout in [(g.values(d, [3, 4], "small"), "contiguous"), (g.values(d, [4, 3], "small"), "transposed"),
                          (g.values(d, [], "small"), "contiguous"), (g.values(d, [0, 2]), "contiguous")]:
            vn, jn = make_input(t, layout)
            cases.add("nonzero", [jn], {}, lambda: torch.nonzero(vn), d)
        w, jw = make_input(g.values(d, [5, 3]), "contiguous")
        for index in [torch.tensor([[0, 4], [2, 2]]), torch.tensor(3), torch.tensor([5]), torch.tensor([1], dtype=torch.int32)]:
            vi, ji = idx_t(index)
            cases.add("embedding", [jw, ji], {}, lambda: torch.nn.functional.embedding(vi, w), d)
        # sort / topk on distinct values, so every order is determined.
        if d != "bool" and d not in COMPLEX:
            vs, js = make_input(distinct_values(d, [3, 5], g), "contiguous")
            vst, jst = make_input(distinct_values(d, [5, 3], g), "transposed")
            for dim in [0, -1]:
                for desc in [False, True]:
                    kw = {"dim": {"int": dim}, "descending": {"bool": desc}}
                    cases.add("sort.stable", [js], dict(kw, stable={"bool": True}),
                              lambda: tuple(torch.sort(vs, dim=dim, descending=desc, stable=True)), d)
                    cases.add("sort.stable", [jst], dict(kw, stable={"bool": True}),
                              lambda: tuple(torch.sort(vst, dim=dim, descending=desc, stable=True)), d + "/transposed")
                    cases.add("argsort.stable", [js], dict(kw, stable={"bool": True}),
                              lambda: torch.argsort(vs, dim=dim, descending=desc, stable=True), d)
                for k in [0, 2, 3]:
                    for largest in [True, False]:
                        cases.add("topk", [js, {"int": k}, {"int": dim}, {"bool": largest}], {},
                                  lambda: tuple(torch.topk(vs, k, dim, largest)), d)
            cases.add("topk", [js, {"int": 6}], {}, lambda: tuple(torch.topk(vs, 6)), d + "/k_too_large")
        # Ties: stable sort keeps index order.
        if d != "bool" and d not in COMPLEX:
            vs, js = make_input(g.values(d, [12], "small"), "contiguous")
            cases.add("sort.stable", [js], {"stable": {"bool": True}}, lambda: tuple(torch.sort(vs, stable=True)), d + "/ties")
            cases.add("sort.stable", [js], {"stable": {"bool": True}, "descending": {"bool": True}},
                      lambda: tuple(torch.sort(vs, stable=True, descending=True)), d + "/ties")
            for t in [g.values(d, [3, 4], "small"), g.values(d, [0]), g.values(d, [], "small")]:
                vu, ju = make_input(t, "contiguous")
                cases.add("unique", [ju], {}, lambda: tuple(torch.unique(vu, sorted=True, return_inverse=True,
                                                                         return_counts=True)), d)
        # ONNX GatherND / ScatterND, with numpy as the reference.
        data = g.values(d, [2, 3, 4])
        vd, jd = make_input(data, "contiguous")
        for ind, batch in [([[0, 1], [1, 2]], 0), ([[1], [0]], 0), ([[[0, 1, 3]], [[1, 2, 0]]], 0), ([[1], [2]], 1),
                           ([[0, 3]], 0)]:
            ind_t = torch.tensor(ind)
            vi, ji = idx_t(ind_t)

            def gather_nd():
                if batch == 0:
                    if (ind_t[..., 1] >= 3).any() if ind_t.shape[-1] > 1 else False:
                        raise IndexError("index out of bounds")
                    return data[tuple(ind_t[..., k] for k in range(ind_t.shape[-1]))]
                return torch.stack([data[b][tuple(ind_t[b][..., k] for k in range(ind_t.shape[-1]))]
                                    for b in range(data.shape[0])])
            cases.add("gather_nd", [jd, ji, {"int": batch}], {}, gather_nd, d)
        for reduction in ["none", "add", "max"]:
            ind_t = torch.tensor([[1, 0], [0, 2]])
            vi, ji = idx_t(ind_t)
            upd = g.values(d, [2, 4])
            vu, ju = make_input(upd, "contiguous")

            def scatter_nd():
                if reduction != "none" and (d in COMPLEX or d == "bool"):
                    raise TypeError("not supported")
                out = data.clone()
                for r in range(2):
                    i0, i1 = ind_t[r].tolist()
                    if reduction == "none":
                        out[i0, i1] = upd[r]
                    elif reduction == "add":
                        out[i0, i1] = out[i0, i1] + upd[r]
                    else:
                        out[i0, i1] = torch.maximum(out[i0, i1], upd[r])
                return out
            cases.add("scatter_nd", [jd, ji, ju], {"reduction": {"str": reduction}}, scatter_nd, d)
    x, jx = make_input(torch.ones(4, 5), "contiguous")
    for p, train in [(0.0, True), (0.5, False), (1.0, True), (1.5, False)]:
        cases.add("dropout", [jx, {"float": p}, {"bool": train}], {}, lambda: torch.nn.functional.dropout(x, p, train),
                  f"p{p}/train{train}")


def ints(v):
    return {"ints": list(v) if isinstance(v, (list, tuple)) else [v]}


def gen_conv_pool(cases):
    g = Gen(1100)
    F_ = torch.nn.functional
    for d in ["float32", "float64", "bfloat16", "int64", "complex64"]:
        # (input shape, weight shape, stride, padding, dilation, groups)
        for xs, ws, st, pd, dl, gr in [([2, 4, 9], [6, 4, 3], 1, 0, 1, 1), ([1, 4, 9], [4, 2, 3], 2, 1, 2, 2),
                                       ([2, 3, 7, 6], [4, 3, 3, 2], 1, 1, 1, 1), ([1, 4, 8, 8], [4, 1, 3, 3], 2, 1, 1, 4),
                                       ([1, 4, 7, 7], [2, 2, 3, 3], [2, 1], [1, 0], [1, 2], 2),
                                       ([1, 2, 4, 5, 5], [3, 2, 2, 3, 3], 1, [0, 1, 1], 1, 1),
                                       ([2, 3, 5, 5], [2, 4, 3, 3], 1, 0, 1, 1)]:
            x, jx = make_input(g.values(d, xs, "small"), "contiguous")
            w, jw = make_input(g.values(d, ws, "small"), "contiguous")
            b, jb = make_input(g.values(d, [ws[0]], "small"), "contiguous")
            nd = len(xs) - 2
            fn = {1: F_.conv1d, 2: F_.conv2d, 3: F_.conv3d}[nd]
            for bias in [None, b]:
                args = [jx, jw, opt_tensor(bias), ints(st), ints(pd), ints(dl), {"bool": False}, ints(0), {"int": gr}]
                # bfloat16: PyTorch's (oneDNN's) rounds partial sums; the reference is float64 rounded once.
                conv = lambda x, w, b: fn(x, w, b, st, pd, dl, gr)  # noqa: E731
                cases.add("convolution", args, {},
                          lambda: in_double(conv, x, w, bias) if d == "bfloat16" else conv(x, w, bias), f"{d}/{nd}d")
        # Transposed: weight [C_in, C_out / groups, *k].
        for xs, ws, st, pd, op_, dl, gr in [([2, 4, 5], [4, 3, 3], 2, 1, 1, 1, 1), ([1, 4, 5, 4], [4, 2, 3, 3], 2, 0, 0, 1, 2),
                                            ([1, 2, 4, 4], [2, 3, 2, 3], [1, 2], [0, 1], [0, 1], [2, 1], 1),
                                            ([1, 2, 3, 3, 3], [2, 2, 2, 2, 2], 2, 0, 1, 1, 1)]:
            x, jx = make_input(g.values(d, xs, "small"), "contiguous")
            w, jw = make_input(g.values(d, ws, "small"), "contiguous")
            b, jb = make_input(g.values(d, [ws[1] * gr], "small"), "contiguous")
            nd = len(xs) - 2
            fn = {1: F_.conv_transpose1d, 2: F_.conv_transpose2d, 3: F_.conv_transpose3d}[nd]
            args = [jx, jw, opt_tensor(b), ints(st), ints(pd), ints(dl), {"bool": True}, ints(op_), {"int": gr}]
            convt = lambda x, w, b: fn(x, w, b, st, pd, op_, gr, dl)  # noqa: E731
            cases.add("convolution", args, {},
                      lambda: in_double(convt, x, w, b) if d == "bfloat16" else convt(x, w, b), f"{d}/transposed{nd}d")
        # convolution_activation (the graph optimiser's fused op): PyTorch's convolution, then
        # the activation. Pointwise, depthwise and dense kernels take different cpu paths.
        if d in ("float32", "float64"):
            ga = Gen(1150 if d == "float32" else 1151)  # its own stream: the cases after keep theirs
            for xs, ws, st, pd, gr in [([2, 4, 6, 6], [5, 4, 1, 1], 1, 0, 1), ([1, 4, 9, 9], [4, 1, 3, 3], 2, 1, 4),
                                       ([1, 3, 7, 7], [4, 3, 3, 3], 1, 1, 1), ([2, 4, 10], [3, 4, 3], 1, 1, 1)]:
                x, jx = make_input(ga.values(d, xs, "small"), "contiguous")
                w, jw = make_input(ga.values(d, ws, "small"), "contiguous")
                b, jb = make_input(ga.values(d, [ws[0]], "small"), "contiguous")
                fn = {1: F_.conv1d, 2: F_.conv2d}[len(xs) - 2]
                for act, params, post in [("relu", [], torch.relu),
                                          ("clamp", [-0.05, 0.05], lambda y: torch.clamp(y, -0.05, 0.05)),
                                          ("leaky_relu", [0.1], lambda y: F_.leaky_relu(y, 0.1))]:
                    conv = lambda x, w, b: fn(x, w, b, st, pd, 1, gr)  # noqa: E731
                    cases.add("convolution_activation",
                              [jx, jw, jb, ints(st), ints(pd), ints(1), {"int": gr}, {"str": act}, {"floats": params}],
                              {}, lambda: post(conv(x, w, b)), f"{d}/{len(xs) - 2}d/{act}")
            cases.add("convolution_activation",
                      [jx, jw, jb, ints(1), ints(1), ints(1), {"int": 1}, {"str": "tanh"}, {"floats": []}], {},
                      lambda: (_ for _ in ()).throw(RuntimeError("activation must be relu, clamp or leaky_relu")),
                      f"{d}/unknown_activation")
        x, jx = make_input(g.values(d, [1, 3, 5, 5], "small"), "contiguous")
        w, jw = make_input(g.values(d, [2, 4, 3, 3], "small"), "contiguous")
        cases.add("convolution", [jx, jw, {"none": True}, ints(1), ints(0), ints(1), {"bool": False}, ints(0), {"int": 1}],
                  {}, lambda: F_.conv2d(x, w), f"{d}/channel_mismatch")
        w, jw = make_input(g.values(d, [2, 3, 7, 7], "small"), "contiguous")
        cases.add("convolution", [jx, jw, {"none": True}, ints(1), ints(0), ints(1), {"bool": False}, ints(0), {"int": 1}],
                  {}, lambda: F_.conv2d(x, w), f"{d}/kernel_too_large")
        # Pools over 1 to 3 dims.
        for xs, k, st, pd, dl, ceil in [([2, 3, 9], 3, 2, 1, 1, False), ([2, 3, 10], 3, 2, 1, 1, True),
                                        ([1, 2, 7, 6], [3, 2], [2, 1], [1, 0], 1, False),
                                        ([1, 2, 8, 8], 3, 2, 1, 2, True), ([2, 5, 5], 2, [], 0, 1, True),
                                        ([1, 1, 4, 5, 5], 2, 2, 1, 1, False), ([1, 2, 6, 6], 3, 3, 0, 1, True)]:
            x, jx = make_input(g.values(d, xs), "contiguous")
            n = {3: 1, 4: 2, 5: 3}[len(xs)] if not (len(xs) == 3 and xs == [2, 5, 5]) else 2
            kk = k if isinstance(k, list) else [k] * n
            mp = {1: F_.max_pool1d, 2: F_.max_pool2d, 3: F_.max_pool3d}[n]
            ap = {1: F_.avg_pool1d, 2: F_.avg_pool2d, 3: F_.avg_pool3d}[n]
            stt = st if st != [] else None
            cases.add("max_pool", [jx, ints(kk), ints(st) if st != [] else {"ints": []}, ints(pd), ints(dl), {"bool": ceil}], {},
                      lambda: tuple(mp(x, kk, stt, pd, dl, ceil, return_indices=True)), f"{d}/{n}d")
            if dl == 1:
                for cip in [True, False]:
                    kw_ap = dict(ceil_mode=ceil, count_include_pad=cip)
                    cases.add("avg_pool", [jx, ints(kk), ints(st) if st != [] else {"ints": []}, ints(pd),
                                           {"bool": ceil}, {"bool": cip}], {},
                              lambda: ap(x, kk, stt, pd, **kw_ap), f"{d}/{n}d")
                if n == 2:
                    cases.add("avg_pool", [jx, ints(kk), ints(st) if st != [] else {"ints": []}, ints(pd),
                                           {"bool": ceil}, {"bool": True}, {"int": 3}], {},
                              lambda: ap(x, kk, stt, pd, ceil, True, 3), f"{d}/divisor")
        x, jx = make_input(g.values(d, [1, 2, 4, 4]), "contiguous")
        cases.add("max_pool", [jx, ints([3, 3]), ints(1), ints(2)], {},
                  lambda: tuple(F_.max_pool2d(x, 3, 1, 2, return_indices=True)), f"{d}/pad_too_large")
        for xs, out in [([2, 3, 10], [4]), ([1, 2, 7, 9], [3, 4]), ([1, 2, 6, 6], [6, 6]), ([2, 5, 4, 3, 5], [2, 2, 3]),
                        ([1, 2, 5, 5], [1, 1])]:
            x, jx = make_input(g.values(d, xs), "contiguous")
            n = len(out)
            aap = {1: F_.adaptive_avg_pool1d, 2: F_.adaptive_avg_pool2d, 3: F_.adaptive_avg_pool3d}[n]
            amp = {1: F_.adaptive_max_pool1d, 2: F_.adaptive_max_pool2d, 3: F_.adaptive_max_pool3d}[n]
            cases.add("adaptive_avg_pool", [jx, ints(out)], {}, lambda: aap(x, out), f"{d}/{n}d")
            cases.add("adaptive_max_pool", [jx, ints(out)], {}, lambda: tuple(amp(x, out, return_indices=True)), f"{d}/{n}d")
    for d in ALL:
        x, jx = make_input(g.values(d, [2, 3, 4]), "contiguous")
        xt, jxt = make_input(g.values(d, [2, 4, 3]), "transposed")
        for pads, mode, value in [([1, 2], "constant", None), ([1, 0, 2, 1], "constant", 2.5), ([-1, 1], "constant", None),
                                  ([0, 0, -1, -1, 1, 1], "constant", 1.0), ([2, 1], "reflect", None), ([1, 2, 1, 0], "reflect", None),
                                  ([2, 3], "replicate", None), ([1, 1, 2, 2], "replicate", None), ([2, 1], "circular", None),
                                  ([1, 2, 3, 1], "circular", None), ([4, 0], "reflect", None), ([1], "constant", None)]:
            kw = {"mode": {"str": mode}}
            if value is not None:
                kw["value"] = {"float": value}
            tkw = {"mode": mode} if value is None else {"mode": mode, "value": value}
            # torch's reflect/replicate/circular want a batch and channel dim beyond the padded ones.
            if mode != "constant" and len(pads) // 2 + 2 > 3:
                xx, jj = make_input(g.values(d, [1, 2, 3, 4]), "contiguous")
            else:
                xx, jj = x, jx
            cases.add("pad", [jj, ints(pads)], kw, lambda: F_.pad(xx, pads, **tkw), f"{d}/{mode}")
        cases.add("pad", [jxt, ints([1, 1])], {}, lambda: F_.pad(xt, [1, 1]), f"{d}/transposed")


def sdpa_reference(q, k, v, mask=None, is_causal=False, scale=None):
    """torch.nn.functional.scaled_dot_product_attention (PyTorch 2), which torch 1.13 has not:
    its documented formula, in float64."""
    dtype = q.dtype
    q, k, v = q.double(), k.double(), v.double()
    s = scale if scale is not None else 1 / math.sqrt(q.shape[-1])
    scores = q @ k.transpose(-2, -1) * s
    if is_causal:
        keep = torch.ones(q.shape[-2], k.shape[-2], dtype=torch.bool).tril()
        scores = scores.masked_fill(~keep, float("-inf"))
    elif mask is not None:
        scores = scores.masked_fill(~mask, float("-inf")) if mask.dtype == torch.bool else scores + mask.double()
    return (torch.softmax(scores, -1) @ v).to(dtype)


def gen_attention(cases):
    g = Gen(1200)
    for d in ["float32", "float64", "bfloat16", "float16"]:
        q, jq = make_input(g.values(d, [2, 3, 4, 8]), "contiguous")
        k, jk = make_input(g.values(d, [2, 3, 5, 8]), "contiguous")
        v, jv = make_input(g.values(d, [2, 3, 5, 6]), "contiguous")
        bm, jbm = make_input(g.values("bool", [4, 5]), "contiguous")
        bm[:, 0] = True  # no row fully masked
        jbm = make_input(bm, "contiguous")[1]
        fm, jfm = make_input(g.values(d, [2, 1, 4, 5]), "contiguous")
        qs, jqs = make_input(g.values(d, [2, 3, 5, 8]), "contiguous")
        cases.add("scaled_dot_product_attention", [jq, jk, jv], {}, lambda: sdpa_reference(q, k, v), d)
        cases.add("scaled_dot_product_attention", [jq, jk, jv, jbm], {}, lambda: sdpa_reference(q, k, v, bm), d + "/bool_mask")
        cases.add("scaled_dot_product_attention", [jq, jk, jv, jfm], {}, lambda: sdpa_reference(q, k, v, fm), d + "/float_mask")
        cases.add("scaled_dot_product_attention", [jqs, jk, jv], {"is_causal": {"bool": True}},
                  lambda: sdpa_reference(qs, k, v, is_causal=True), d + "/causal")
        cases.add("scaled_dot_product_attention", [jq, jk, jv], {"scale": {"float": 0.5}},
                  lambda: sdpa_reference(q, k, v, scale=0.5), d + "/scale")
        cases.add("scaled_dot_product_attention", [jq, jq, jv], {"dropout_p": {"float": 0.0}},
                  lambda: sdpa_reference(q, q, v), d + "/length_mismatch")
        F_ = torch.nn.functional
        for xs, mode in [([1, 2, 5], "nearest"), ([1, 2, 5], "linear"), ([2, 2, 4, 5], "nearest"), ([2, 2, 4, 5], "bilinear"),
                         ([1, 2, 4, 5], "bicubic"), ([1, 1, 3, 4, 4], "trilinear"), ([1, 2, 4, 5], "nearest-exact"),
                         ([1, 1, 3, 4, 4], "nearest")]:
            x, jx = make_input(g.values(d, xs), "contiguous")
            nd = len(xs) - 2
            for size, scale in [([7] * nd, None), ([3, 8, 2][:nd], None), (None, [2.0] * nd), (None, [0.5, 1.5, 2.0][:nd]),
                                ([1] * nd, None)]:
                for ac in ([None] if mode.startswith("nearest") else [False, True]):
                    kw = {"mode": {"str": mode}}
                    if size is not None:
                        kw["size"] = {"ints": size}
                    else:
                        kw["scale_factor"] = {"floats": scale}
                    if ac is not None:
                        kw["align_corners"] = {"bool": ac}
                    interp = lambda x: F_.interpolate(x, size=size, scale_factor=scale, mode=mode,  # noqa: E731
                                                      align_corners=ac)
                    cases.add("interpolate", [jx], kw,
                              lambda: in_double(interp, x) if d in ("bfloat16", "float16") else interp(x), f"{d}/{mode}")
        x, jx = make_input(g.values(d, [1, 2, 4, 5]), "contiguous")
        cases.add("interpolate", [jx], {"mode": {"str": "linear"}, "size": {"ints": [3]}},
                  lambda: F_.interpolate(x, size=[3], mode="linear"), f"{d}/wrong_rank")


def nms_reference(boxes, scores, max_out, iou, score_threshold=None, center=False):
    """ONNX's NonMaxSuppression from torchvision's nms, one batch and class at a time."""
    import torchvision
    b = boxes.double()
    if center:  # [x, y, w, h] -> [x1, y1, x2, y2]
        xyxy = torch.stack([b[..., 0] - b[..., 2] / 2, b[..., 1] - b[..., 3] / 2,
                            b[..., 0] + b[..., 2] / 2, b[..., 1] + b[..., 3] / 2], -1)
    else:  # corners [y1, x1, y2, x2], either diagonal
        xyxy = torch.stack([torch.minimum(b[..., 1], b[..., 3]), torch.minimum(b[..., 0], b[..., 2]),
                            torch.maximum(b[..., 1], b[..., 3]), torch.maximum(b[..., 0], b[..., 2])], -1)
    rows = []
    for bi in range(scores.shape[0]):
        for ci in range(scores.shape[1]):
            s = scores[bi, ci].double()
            idx = torch.arange(s.shape[0]) if score_threshold is None else torch.nonzero(s > score_threshold)[:, 0]
            keep = idx[torchvision.ops.nms(xyxy[bi][idx], s[idx], iou)][:max_out]
            rows += [[bi, ci, int(k)] for k in keep]
    return torch.tensor(rows, dtype=torch.int64).reshape(-1, 3)


def gen_nms(cases):
    """non_max_suppression against torchvision's nms: corner and centre boxes, IoU and score
    thresholds, output limits, no boxes, bad shapes."""
    g = Gen(1400)
    for d in ["float32", "float64"]:
        centers = torch.from_numpy(g.rng.uniform(0, 10, [2, 12, 2]))
        sizes = torch.from_numpy(g.rng.uniform(1, 4, [2, 12, 2]))
        corners = torch.cat([centers - sizes / 2, centers + sizes / 2], -1)[..., [1, 0, 3, 2]].to(DTYPES[d])
        corners[0, 3] = corners[0, 3][[2, 3, 0, 1]]  # the other diagonal
        boxes, jboxes = make_input(corners, "contiguous")
        cboxes, jcboxes = make_input(torch.cat([centers, sizes], -1).to(DTYPES[d]), "contiguous")
        scores, jscores = make_input(torch.from_numpy(g.rng.uniform(0, 1, [2, 3, 12])).to(DTYPES[d]), "contiguous")
        for max_out, iou, thr in [(100, 0.5, None), (3, 0.3, None), (100, 0.2, 0.4), (0, 0.5, None), (2, 0.0, 0.9)]:
            kw = {"max_output_boxes_per_class": {"int": max_out}, "iou_threshold": {"float": iou}}
            if thr is not None:
                kw["score_threshold"] = {"float": thr}
            cases.add("non_max_suppression", [jboxes, jscores], kw,
                      lambda: nms_reference(boxes, scores, max_out, iou, thr), f"{d}/corners")
            cases.add("non_max_suppression", [jcboxes, jscores], {**kw, "center_point_box": {"bool": True}},
                      lambda: nms_reference(cboxes, scores, max_out, iou, thr, center=True), f"{d}/center")
        none, jnone = make_input(torch.zeros([2, 0, 4], dtype=DTYPES[d]), "contiguous")
        nscores, jnscores = make_input(torch.zeros([2, 3, 0], dtype=DTYPES[d]), "contiguous")
        cases.add("non_max_suppression", [jnone, jnscores], {"max_output_boxes_per_class": {"int": 5}},
                  lambda: torch.zeros([0, 3], dtype=torch.int64), f"{d}/no_boxes")
        cases.add("non_max_suppression", [jscores, jscores], {"max_output_boxes_per_class": {"int": 5}},
                  lambda: nms_reference(scores, scores, 5, 0.5), f"{d}/bad_boxes")


def tfidf_reference(x, min_n, max_n, max_skip, counts, indexes, pool, mode="TF", weights=()):
    """TfIdfVectorizer by brute force: each pool n-gram's occurrences, counted per gap."""
    grams = []  # (n-gram, output column), in pool order
    for k, begin in enumerate(counts):
        n = k + 1
        end = counts[k + 1] if k + 1 < len(counts) else len(pool)
        for at in range(begin, end - n + 1, n):
            grams.append((tuple(pool[at:at + n]), indexes[len(grams)]))
    width = max(indexes) + 1
    rows = x.reshape(-1, x.shape[-1]).tolist() if x.dim() == 2 else [x.tolist()]
    out = torch.zeros(len(rows), width, dtype=torch.float32)
    for r, row in enumerate(rows):
        for gram, col in grams:
            n = len(gram)
            if not min_n <= n <= max_n:
                continue
            for step in ([1] if n == 1 else range(1, max_skip + 2)):
                for i in range(len(row)):
                    if i + (n - 1) * step < len(row) and all(row[i + k * step] == gram[k] for k in range(n)):
                        out[r, col] += 1
    if mode != "TF":
        w = torch.tensor(weights if weights else [1.0] * width, dtype=torch.float64)[:width].float()
        out = torch.where(out > 0, w.expand_as(out), torch.zeros(())) if mode == "IDF" else out * w
    return out if x.dim() == 2 else out[0]


def gen_tfidf(cases):
    """tfidf_vectorizer: unigrams, bigrams and trigrams with gaps, the three modes with and
    without weights, a batch, int32, an empty pool level, and a bad ngram_counts."""
    g = Gen(1500)
    pool = [2, 3, 5, 4, 5, 6, 7, 8, 6, 7, 1, 3, 3]
    counts, indexes = [0, 4, 10], [0, 1, 2, 3, 4, 5, 6, 7]
    for d in ["int64", "int32"]:
        x, jx = make_input(torch.from_numpy(g.rng.integers(1, 9, [3, 14])).to(DTYPES[d]), "contiguous")
        x1, jx1 = make_input(torch.from_numpy(g.rng.integers(1, 9, [17])).to(DTYPES[d]), "contiguous")
        for min_n, max_n, skip in [(1, 1, 0), (1, 2, 0), (2, 2, 3), (1, 3, 2), (3, 3, 1), (2, 3, 5)]:
            for mode, weights in [("TF", []), ("IDF", []), ("IDF", [0.5, 1, 2, 3, 4, 5, 6, 7.5]), ("TFIDF", [0.5, 1, 2, 3, 4, 5, 6, 7.5])]:
                kw = {"min_gram_length": {"int": min_n}, "max_gram_length": {"int": max_n},
                      "max_skip_count": {"int": skip}, "ngram_counts": {"ints": counts},
                      "ngram_indexes": {"ints": indexes}, "pool": {"ints": pool}, "mode": {"str": mode},
                      "weights": {"floats": weights}}
                for xv, jv in [(x, jx), (x1, jx1)]:
                    cases.add("tfidf_vectorizer", [jv], kw,
                              lambda: tfidf_reference(xv, min_n, max_n, skip, counts, indexes, pool, mode, weights),
                              f"{d}/{min_n}-{max_n}/skip{skip}/{mode}")
    x, jx = make_input(torch.from_numpy(g.rng.integers(1, 9, [2, 10])), "contiguous")
    kw = {"min_gram_length": {"int": 2}, "max_gram_length": {"int": 2}, "max_skip_count": {"int": 1},
          "ngram_counts": {"ints": [0, 0]}, "ngram_indexes": {"ints": [2, 0, 1]}, "pool": {"ints": [5, 6, 7, 8, 6, 7]}}
    cases.add("tfidf_vectorizer", [jx], kw,
              lambda: tfidf_reference(x, 2, 2, 1, [0, 0], [2, 0, 1], [5, 6, 7, 8, 6, 7]), "empty_level")
    kw = {**kw, "ngram_counts": {"ints": [0, 9]}}
    cases.add("tfidf_vectorizer", [jx], kw, lambda: tfidf_bad_counts(), "bad_counts")


def tfidf_bad_counts():
    raise ValueError("ngram_counts point past the pool")


def gen_unique_dim(cases):
    """unique_dim: repeated rows, columns and 3-d slices, a negative dim, an empty selected
    dim, and the errors PyTorch gives (a 0-d input, an empty other dim)."""
    g = Gen(1600)
    for d in ["float32", "int64", "int32", "float64"]:
        base = g.values(d, [3, 4], "small")
        x, jx = make_input(torch.cat([base, base[1:2], base[:1]], 0), "contiguous")
        y, jy = make_input(torch.cat([base, base[:, 2:3]], 1), "transposed")
        z, jz = make_input(torch.stack([g.values(d, [2, 3], "small")] * 2 + [g.values(d, [2, 3], "small")], 1), "contiguous")
        for t, jt, dim in [(x, jx, 0), (y, jy, 1), (y, jy, -1), (z, jz, 1), (z, jz, 2)]:
            cases.add("unique_dim", [jt], {"dim": {"int": dim}},
                      lambda: tuple(torch.unique(t, dim=dim, return_inverse=True, return_counts=True)), f"{d}/{dim}")
        for shape, dim in [([0, 3], 0), ([3, 0], 0), ([], 0)]:
            e, je = make_input(g.values(d, shape), "contiguous")
            cases.add("unique_dim", [je], {"dim": {"int": dim}},
                      lambda: tuple(torch.unique(e, dim=dim, return_inverse=True, return_counts=True)), f"{d}/{shape}")


def gen_grid_sample(cases):
    """grid_sample: every mode, padding mode and align_corners, grids reaching outside
    [-1, 1], a transposed input, an empty grid, and bad shapes and dtypes."""
    g = Gen(1300)
    F_ = torch.nn.functional
    for d in ["float32", "float64", "bfloat16"]:
        x, jx = make_input(g.values(d, [2, 3, 4, 5]), "contiguous")
        xt, jxt = make_input(g.values(d, [2, 3, 5, 4]), "transposed")
        grid, jgrid = make_input(torch.from_numpy(g.rng.uniform(-1.3, 1.3, [2, 3, 6, 2])).to(DTYPES[d]),
                                 "contiguous")
        for mode in ["bilinear", "nearest", "bicubic"]:
            for pad in ["zeros", "border", "reflection"]:
                for ac in [False, True]:
                    kw = {"mode": {"str": mode}, "padding_mode": {"str": pad}, "align_corners": {"bool": ac}}
                    fn = lambda x, grid: F_.grid_sample(x, grid, mode=mode, padding_mode=pad,  # noqa: E731
                                                        align_corners=ac)
                    cases.add("grid_sample", [jx, jgrid], kw, lambda: fn(x, grid), f"{d}/{mode}/{pad}/{ac}")
                    cases.add("grid_sample", [jxt, jgrid], kw, lambda: fn(xt, grid), f"{d}/{mode}/{pad}/{ac}/transposed")
        empty, jempty = make_input(torch.zeros([2, 0, 3, 2], dtype=DTYPES[d]), "contiguous")
        cases.add("grid_sample", [jx, jempty], {}, lambda: F_.grid_sample(x, empty, align_corners=False), f"{d}/empty")
        cases.add("grid_sample", [jx, jx], {}, lambda: F_.grid_sample(x, x, align_corners=False), f"{d}/bad_grid")
    x, jx = make_input(g.values("float32", [2, 3, 4, 5]), "contiguous")
    grid, jgrid = make_input(g.values("float64", [2, 3, 6, 2], "small"), "contiguous")
    cases.add("grid_sample", [jx, jgrid], {}, lambda: F_.grid_sample(x, grid, align_corners=False), "mixed_dtypes")


MATMUL_SHAPES = [([3], [3], "dot"), ([2, 3], [3, 4], "mm"), ([3], [3, 4], "vm"), ([2, 3], [3], "mv"),
                 ([2, 2, 3], [3, 4], "batched"), ([2, 1, 2, 3], [3, 3, 2], "broadcast_batch"),
                 ([0, 3], [3, 2], "empty_rows"), ([2, 0], [0, 3], "empty_inner"), ([2, 3], [4, 2], "mismatch"),
                 ([], [3], "zero_dim")]


def gen_matmul(cases):
    g = Gen(600)
    for d in ALL:
        for sa, sb, tag in MATMUL_SHAPES:
            va, ja = make_input(g.values(d, sa, "small"), "contiguous")
            vb, jb = make_input(g.values(d, sb, "small"), "contiguous")
            fn = torch.matmul
            if d in COMPLEX and tag == "dot":
                # Debian's torch 1.13 returns 0 for complex 1-D dot products (its BLAS cdotu
                # call); the reference is the same sum of products taken elementwise.
                fn = lambda x, y: (x * y).sum()  # noqa: E731
            cases.add("matmul", [ja, jb], {}, lambda: fn(va, vb), f"{d}/{tag}")
        va, ja = make_input(g.values(d, [3, 4], "small"), "transposed")
        vb, jb = make_input(g.values(d, [4, 2], "small"), "strided")
        cases.add("matmul", [ja, jb], {}, lambda: torch.matmul(va, vb), f"{d}/noncontiguous")


def gen_det(cases):
    """linalg_det: batches, a singular matrix, 1x1 and 0x0 matrices, an empty batch, a
    transposed input, and a non-square one."""
    g = Gen(660)
    for d in ["float32", "float64", "float16"]:
        for shape in [[3, 3], [2, 4, 4], [1, 1], [2, 0, 0], [0, 2, 2], [5, 5]]:
            a, ja = make_input(g.values(d, shape, "small"), "contiguous")
            cases.add("linalg_det", [ja], {}, lambda: torch.linalg.det(a), f"{d}/{shape}")
        t, jt = make_input(g.values(d, [3, 3], "small"), "transposed")
        cases.add("linalg_det", [jt], {}, lambda: torch.linalg.det(t), f"{d}/transposed")
        s = torch.tensor([[1.0, 2, 3], [2, 4, 6], [0, 1, 5]], dtype=DTYPES[d])
        s, js = make_input(s, "contiguous")
        cases.add("linalg_det", [js], {}, lambda: torch.linalg.det(s), f"{d}/singular")
        r, jr = make_input(g.values(d, [2, 3], "small"), "contiguous")
        cases.add("linalg_det", [jr], {}, lambda: torch.linalg.det(r), f"{d}/not_square")


def gen_linalg(cases):
    gen_det(cases)
    g = Gen(650)
    for d in ALL:
        m1, j1 = make_input(g.values(d, [2, 3], "small"), "contiguous")
        m2, j2 = make_input(g.values(d, [3, 4], "small"), "transposed")
        for sshape in [[2, 4], [4], []]:
            sv, js = make_input(g.values(d, sshape, "small"), "contiguous")
            cases.add("addmm", [js, j1, j2], {}, lambda: torch.addmm(sv, m1, m2), d)
            if d not in ("bool",):
                for beta, alpha in [(0, 2), (2, 1), (0.5, -1)]:
                    if d in INTEGRAL and isinstance(beta, float):
                        continue
                    kw = {"beta": {"int": beta} if isinstance(beta, int) else {"float": beta}, "alpha": {"int": alpha}}
                    cases.add("addmm", [js, j1, j2], kw, lambda: torch.addmm(sv, m1, m2, beta=beta, alpha=alpha), d)
        cases.add("addmm", [j1, j1, j1], {}, lambda: torch.addmm(m1, m1, m1), d + "/bad")
        x, jx = make_input(g.values(d, [2, 5, 3], "small"), "contiguous")
        w, jw = make_input(g.values(d, [4, 3], "small"), "contiguous")
        b, jb = make_input(g.values(d, [4], "small"), "contiguous")
        if d not in ("bool",):
            cases.add("linear", [jx, jw, jb], {}, lambda: torch.nn.functional.linear(x, w, b), d)
            cases.add("linear", [jx, jw], {}, lambda: torch.nn.functional.linear(x, w), d)
            wv, jwv = make_input(g.values(d, [3], "small"), "contiguous")
            cases.add("linear", [jx, jwv], {}, lambda: torch.nn.functional.linear(x, wv), d + "/vector")
        a3, ja3 = make_input(g.values(d, [2, 3, 4], "small"), "contiguous")
        b3, jb3 = make_input(g.values(d, [2, 5, 4], "small"), "transposed")
        bb, jbb = make_input(g.values(d, [2, 4, 5], "small"), "contiguous")
        cases.add("bmm", [ja3, jbb], {}, lambda: torch.bmm(a3, bb), d)
        cases.add("bmm", [ja3, jb3], {}, lambda: torch.bmm(a3, b3), d + "/bad")
        u, ju = make_input(g.values(d, [3], "small"), "contiguous")
        vv, jv = make_input(g.values(d, [4], "small"), "strided")
        cases.add("outer", [ju, jv], {}, lambda: torch.outer(u, vv), d)
        cases.add("outer", [ja3, jv], {}, lambda: torch.outer(a3, vv), d + "/bad")
        if d == "bool":
            continue  # torch.einsum's sum of bool products is an int, tessera's mul keeps bool
        sq, jsq = make_input(g.values(d, [3, 3], "small"), "contiguous")
        for eq, ops in [("ij,jk->ik", [(m1, j1), (m2, j2)]), ("ij,jk", [(m1, j1), (m2, j2)]),
                        ("bij,bkj->bik", [(a3, ja3), (b3, jb3)]), ("i,j->ij", [(u, ju), (vv, jv)]),
                        ("ii->i", [(sq, jsq)]), ("ii", [(sq, jsq)]), ("ij->ji", [(m1, j1)]),
                        ("...j,jk->...k", [(a3, ja3), (bb[0], make_input(bb[0], "contiguous")[1])]),
                        ("bij->", [(a3, ja3)]), ("i,i->", [(u, ju), (u, ju)]), ("ij,jk->ik", [(m1, j1), (m1, j1)]),
                        ("ab->c", [(m1, j1)])]:
            cases.add("einsum", [{"str": eq}, {"tensors": [j for _, j in ops]}], {},
                      lambda: torch.einsum(eq, *[t for t, _ in ops]), d)


# fused_elementwise's programs (Note [Fused elementwise programs]): postfix over inputs xK,
# numbers (0-d float64 tensors, as a Python number acts) and these ops.
FUSED_BINARY = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
                "maximum": torch.maximum, "minimum": torch.minimum}
FUSED_UNARY = {"neg": torch.neg, "abs": torch.abs, "relu": torch.relu, "sigmoid": torch.sigmoid,
               "tanh": torch.tanh, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt,
               "rsqrt": torch.rsqrt, "reciprocal": torch.reciprocal, "erf": torch.erf,
               "silu": torch.nn.functional.silu}


def run_fused_program(program, inputs):
    stack = []
    for tok in program.split():
        if tok[0] == "x" and tok[1:].isdigit():
            if int(tok[1:]) >= len(inputs):
                raise RuntimeError(f"token '{tok}': there are {len(inputs)} inputs")
            stack.append(inputs[int(tok[1:])])
        elif tok in FUSED_BINARY:
            if len(stack) < 2:
                raise RuntimeError(f"token '{tok}' takes two values")
            b = stack.pop()
            stack.append(FUSED_BINARY[tok](stack.pop(), b))
        elif tok in FUSED_UNARY:
            if not stack:
                raise RuntimeError(f"token '{tok}' takes a value")
            stack.append(FUSED_UNARY[tok](stack.pop()))
        else:
            stack.append(torch.tensor(float(tok), dtype=torch.float64))  # ValueError: not a number
    if len(stack) != 1:
        raise RuntimeError(f"the program leaves {len(stack)} values")
    return stack[0]


def gen_fused_elementwise(cases):
    g = Gen(1300)
    # (program, input shapes and layouts): same shapes (the cpu kernel's blocks), one-element
    # and 0-d inputs (broadcast in the blocks), other broadcasts and strides (the reference).
    programs = [
        ("x0 x1 add relu", [([4, 5], "contiguous"), ([4, 5], "contiguous")]),
        ("x0 x1 mul x0 add sigmoid", [([3, 700], "contiguous"), ([3, 700], "contiguous")]),
        ("x0 0.5 mul x1 sub tanh", [([6, 7], "contiguous"), ([], "contiguous")]),
        ("x1 x0 maximum 2 div", [([2, 3, 4], "contiguous"), ([1, 1], "contiguous")]),
        ("x0 neg exp 1 add reciprocal x0 mul", [([1030], "contiguous")]),
        ("x0 abs 1 add sqrt rsqrt log erf x0 silu minimum", [([5, 6], "contiguous")]),
        ("x0 x1 sub x2 div", [([3, 4], "contiguous"), ([4], "contiguous"), ([3, 4], "transposed")]),
        ("x0 x0 mul x0 mul", [([0, 3], "contiguous")]),
        ("x0 x1 add", [([], "contiguous"), ([], "contiguous")]),
    ]
    for d in ["float32", "float64", "float16"]:
        for program, specs in programs:
            made = [make_input(g.values(d, shape, "small"), layout) for shape, layout in specs]
            values = [v for v, _ in made]
            cases.add("fused_elementwise", [{"tensors": [j for _, j in made]}, {"str": program}], {},
                      lambda: run_fused_program(program, values), d)
    x, jx = make_input(g.values("float32", [3], "small"), "contiguous")
    for bad in ["x0 x1 add", "x0 add", "x0 x0", "x0 cube", ""]:
        cases.add("fused_elementwise", [{"tensors": [jx]}, {"str": bad}], {},
                  lambda: run_fused_program(bad, [x]), "bad_program")


def gen_cast(cases):
    g = Gen(700)
    for src in ALL:
        base = g.values(src, [6])
        if src in FLOATING:
            base = torch.tensor([-3.5, -0.4, 0.0, 0.6, 7.25, 100.75]).to(DTYPES[src])
        if src in COMPLEX:
            base = torch.tensor([-3.5 + 1j, 0.25 - 2j, 0, 1.5j, 7.25, 99.5 + 0.5j]).to(DTYPES[src])
        for dst in ALL:
            if src in FLOATING + COMPLEX and dst == "uint8":
                vals = base.abs() if src in COMPLEX else base.abs()
                vals = vals.to(DTYPES[src]) if src in COMPLEX else vals
            else:
                vals = base
            for layout in ["contiguous", "strided"]:
                v, j = make_input(vals, layout)
                cases.add("cast", [j, {"dtype": dst}], {}, lambda: v.to(DTYPES[dst]), f"{src}->{dst}/{layout}")


def promotion_table():
    return [[a, b, NAMES[torch.promote_types(DTYPES[a], DTYPES[b])]] for a in ALL for b in ALL]


def dtype_name(d):
    # tessera has no complex32; where PyTorch gives it, tessera's answer is complex64.
    return "complex32" if d == torch.complex32 else NAMES[d]


def result_type_cases():
    out = []
    for a in ALL:
        ta = torch.zeros(2, dtype=DTYPES[a])
        for b in ALL:
            tb = torch.zeros((), dtype=DTYPES[b])
            out.append({"a": [a, 1, False], "b": [b, 0, False], "expect": dtype_name(torch.result_type(ta, tb))})
            out.append({"a": [a, 0, False], "b": [b, 0, False],
                        "expect": dtype_name(torch.result_type(torch.zeros((), dtype=DTYPES[a]), tb))})
        for s, kind in [(True, "bool"), (3, "int64"), (2.5, "float64"), (1j, "complex128")]:
            out.append({"a": [a, 1, False], "b": [kind, 0, True], "expect": dtype_name(torch.result_type(ta, s))})
            out.append({"a": [a, 0, False], "b": [kind, 0, True],
                        "expect": dtype_name(torch.result_type(torch.zeros((), dtype=DTYPES[a]), s))})
    return out


def print_cases():
    tensors = [
        torch.tensor([1.0, 2.5, 3.0]), torch.arange(6).reshape(2, 3), torch.tensor([1.0, 2.0]),
        torch.tensor([1e-5, 1.0, 1e5]), torch.tensor([float("nan"), float("inf"), -1.5]),
        torch.tensor([True, False]), torch.tensor(3.25), torch.tensor(7), torch.zeros(0), torch.zeros(2, 0),
        torch.zeros(0, dtype=torch.int32), torch.arange(2000.0), torch.arange(24).reshape(2, 3, 4).float() / 7,
        torch.tensor([1 + 2j, -0.5 - 1j]), torch.tensor([1, 2], dtype=torch.int32),
        torch.tensor([0.1, 0.2], dtype=torch.float16), torch.tensor([1e10, 1.0]), torch.tensor([100.0, 2e8]),
        torch.arange(30.0).reshape(1, 30) * 1.5, torch.arange(1100).reshape(11, 100),
        torch.tensor([[1.5, -2.25], [3.0, 4.0]], dtype=torch.float64), torch.tensor([-0.0, 0.0]),
    ]
    out = []
    for t in tensors:
        enc = encode_tensor(t)
        enc["repr"] = repr(t)
        out.append(enc)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    cases = Cases()
    gen_binary(cases)
    gen_unary(cases)
    gen_activations(cases)
    gen_where(cases)
    gen_pointwise(cases)
    gen_nn(cases)
    gen_shape(cases)
    gen_indexing(cases)
    gen_reduce(cases)
    gen_reduce_more(cases)
    gen_matmul(cases)
    gen_linalg(cases)
    gen_conv_pool(cases)
    gen_fused_elementwise(cases)
    gen_attention(cases)
    gen_grid_sample(cases)
    gen_nms(cases)
    gen_tfidf(cases)
    gen_unique_dim(cases)
    gen_cast(cases)
    doc = {"torch_version": torch.__version__, "cases": cases.cases, "promotion": promotion_table(),
           "result_type": result_type_cases(), "print": print_cases()}
    with open(args.out, "w") as f:
        json.dump(doc, f, allow_nan=False)
    print(f"wrote {len(cases.cases)} cases from torch {torch.__version__} to {args.out}")


if __name__ == "__main__":
    sys.exit(main())
