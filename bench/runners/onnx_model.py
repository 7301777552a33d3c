#!/usr/bin/python3
"""Writes a single-op ONNX model, or a chain of K identical nodes, for the ONNX Runtime
runner of `tessera bench-ops` (made with python3-onnx's helper, checked with its checker).

  onnx_model.py --op add --inputs '[{"shape": [1000], "dtype": "float32"}, ...]'
                --params '{}' --k 16 --out model.onnx

A chain feeds each node's output to the next as its first input; the other inputs are the
graph's. Only ops whose output has their first input's shape and dtype can be chained."""
import argparse
import json

import onnx
from onnx import TensorProto, helper

ELEM = {
    "bool": TensorProto.BOOL, "uint8": TensorProto.UINT8, "int8": TensorProto.INT8,
    "int16": TensorProto.INT16, "int32": TensorProto.INT32, "int64": TensorProto.INT64,
    "float16": TensorProto.FLOAT16, "bfloat16": TensorProto.BFLOAT16, "float32": TensorProto.FLOAT,
    "float64": TensorProto.DOUBLE, "complex64": TensorProto.COMPLEX64, "complex128": TensorProto.COMPLEX128,
}
SIMPLE = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "pow": "Pow", "eq": "Equal", "lt": "Less", "le": "LessOrEqual", "gt": "Greater", "ge": "GreaterOrEqual",
          "where": "Where", "neg": "Neg", "abs": "Abs", "exp": "Exp", "log": "Log", "sqrt": "Sqrt",
          "matmul": "MatMul", "sign": "Sign", "reciprocal": "Reciprocal", "sin": "Sin", "cos": "Cos",
          "tan": "Tan", "asin": "Asin", "acos": "Acos", "atan": "Atan", "sinh": "Sinh", "cosh": "Cosh",
          "tanh": "Tanh", "asinh": "Asinh", "acosh": "Acosh", "atanh": "Atanh", "erf": "Erf", "floor": "Floor",
          "ceil": "Ceil", "round": "Round", "sigmoid": "Sigmoid", "relu": "Relu", "logical_not": "Not",
          "isnan": "IsNaN", "isinf": "IsInf", "softsign": "Softsign", "selu": "Selu", "hardswish": "HardSwish",
          "elu": "Elu", "celu": "Celu", "softplus": "Softplus", "maximum": "Max", "minimum": "Min",
          "logical_and": "And", "logical_or": "Or", "logical_xor": "Xor"}
# torch's defaults in ONNX attributes.
WITH_ATTRS = {"hardsigmoid": ("HardSigmoid", {"alpha": 1 / 6, "beta": 0.5}),
              "leaky_relu": ("LeakyRelu", {"alpha": 0.01}), "fmod": ("Mod", {"fmod": 1})}
OPSET = 17


INTEGRAL = {"bool", "uint8", "int8", "int16", "int32", "int64"}


def torch_semantics(op, inputs, ins, out, nodes):
    """Nodes that make ONNX compute what torch (and tessera) compute where the plain ONNX
    op differs: true division of integers (ONNX Div truncates) and sums of integers
    (torch sums them to int64). Returns the inputs for the main node."""
    if op == "div" and inputs[0]["dtype"] in INTEGRAL:
        cast = [f"{out}_f{i}" for i in range(len(ins))]
        for src, dst in zip(ins, cast):
            nodes.append(helper.make_node("Cast", [src], [dst], to=TensorProto.FLOAT))
        return cast
    if op == "sum" and inputs[0]["dtype"] in INTEGRAL:
        nodes.append(helper.make_node("Cast", [ins[0]], [f"{out}_i64"], to=TensorProto.INT64))
        return [f"{out}_i64"] + ins[1:]
    return ins


def node(op, ins, out, params, rank, initializers, shape=()):
    dims = params.get("dim")
    if isinstance(dims, int):
        dims = [dims]
    keepdim = int(params.get("keepdim", False))
    if op in SIMPLE:
        return helper.make_node(SIMPLE[op], ins, [out])
    if op == "prelu" and rank <= 2:
        return helper.make_node("PRelu", ins, [out])
    if op == "prelu":
        # ONNX broadcasts the slope from the right: torch's per-channel slope becomes [C, 1, ...].
        shape = f"{out}_slope_shape"
        initializers.append(helper.make_tensor(shape, TensorProto.INT64, [rank - 1], [-1] + [1] * (rank - 2)))
        return [helper.make_node("Reshape", [ins[1], shape], [f"{out}_slope"]),
                helper.make_node("PRelu", [ins[0], f"{out}_slope"], [out])]
    if op in WITH_ATTRS:
        name, attrs = WITH_ATTRS[op]
        return helper.make_node(name, ins, [out], **attrs)
    if op in ("clamp", "hardtanh"):
        lo = params.get("min", -1.0 if op == "hardtanh" else None)
        hi = params.get("max", 1.0 if op == "hardtanh" else None)
        bounds = []
        for tag, v in (("min", lo), ("max", hi)):
            if v is None:
                bounds.append("")
                continue
            name = f"{out}_{tag}"
            initializers.append(helper.make_tensor(name, TensorProto.FLOAT, [], [v]))
            bounds.append(name)
        return helper.make_node("Clip", ins + bounds, [out])
    if op == "ne":
        raise ValueError("ne has no single ONNX node (it is Not(Equal))")
    if op == "cast":
        return helper.make_node("Cast", ins, [out], to=ELEM[params["to"]])
    if op == "sum":
        axes = dims if dims is not None else list(range(rank))
        name = f"{out}_axes"
        initializers.append(helper.make_tensor(name, TensorProto.INT64, [len(axes)], axes))
        return helper.make_node("ReduceSum", ins + [name], [out], keepdims=keepdim)
    if op == "mean":
        axes = dims if dims is not None else list(range(rank))
        return helper.make_node("ReduceMean", ins, [out], axes=axes, keepdims=keepdim)
    if op in ("max", "min"):
        return helper.make_node("ReduceMax" if op == "max" else "ReduceMin", ins, [out], keepdims=0)
    if op in ("max_dim", "min_dim"):
        return helper.make_node("ReduceMax" if op == "max_dim" else "ReduceMin", ins, [out], axes=dims[:1],
                                keepdims=keepdim)
    if op in ("amax", "amin", "logsumexp", "norm"):
        name = {"amax": "ReduceMax", "amin": "ReduceMin", "logsumexp": "ReduceLogSumExp", "norm": "ReduceL2"}[op]
        axes = dims if dims is not None else list(range(rank))
        return helper.make_node(name, ins, [out], axes=axes, keepdims=keepdim)
    if op == "prod":
        return helper.make_node("ReduceProd", ins, [out], keepdims=0)
    if op == "prod_dim":
        return helper.make_node("ReduceProd", ins, [out], axes=dims[:1], keepdims=keepdim)
    if op == "argmin":
        return helper.make_node("ArgMin", ins, [out], axis=dims[0], keepdims=keepdim)
    if op == "cumsum":
        name = f"{out}_axis"
        initializers.append(helper.make_tensor(name, TensorProto.INT64, [], [dims[0]]))
        return helper.make_node("CumSum", ins + [name], [out])
    if op == "addmm":
        return helper.make_node("Gemm", [ins[1], ins[2], ins[0]], [out])
    if op == "linear":
        if rank != 2:
            raise ValueError("linear of a rank-{rank} input has no single ONNX node (Gemm is 2-D)")
        return helper.make_node("Gemm", ins, [out], transB=1)
    if op == "bmm":
        return helper.make_node("MatMul", ins, [out])
    if op == "einsum":
        return helper.make_node("Einsum", ins, [out], equation=params["equation"])
    if op == "fused_elementwise":  # the program's ops, one node each (float32 numbers)
        onnx_ops = {"add": "Add", "sub": "Sub", "mul": "Mul", "div": "Div", "maximum": "Max", "minimum": "Min",
                    "neg": "Neg", "abs": "Abs", "relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh",
                    "exp": "Exp", "log": "Log", "sqrt": "Sqrt", "reciprocal": "Reciprocal", "erf": "Erf"}
        made, stack = [], []
        tokens = params["program"].split()
        for i, tok in enumerate(tokens):
            name = out if i == len(tokens) - 1 else f"{out}_{i}"
            if tok[0] == "x" and tok[1:].isdigit():
                stack.append(ins[int(tok[1:])])
                continue
            if tok not in onnx_ops:
                try:
                    value = float(tok)
                except ValueError:
                    raise ValueError(f"fused_elementwise: no ONNX node for '{tok}'") from None
                initializers.append(helper.make_tensor(name, TensorProto.FLOAT, [], [value]))
                stack.append(name)
                continue
            args = [stack.pop()]
            if tok in ("add", "sub", "mul", "div", "maximum", "minimum"):
                args.insert(0, stack.pop())
            made.append(helper.make_node(onnx_ops[tok], args, [name]))
            stack.append(name)
        return made
    if op == "convolution":
        pads = list(params["padding"]) * 2
        attrs = dict(strides=params["stride"], pads=pads, dilations=params["dilation"], group=params.get("groups", 1))
        if params.get("transposed"):
            return helper.make_node("ConvTranspose", ins, [out], output_padding=params["output_padding"], **attrs)
        return helper.make_node("Conv", ins, [out], **attrs)
    if op == "convolution_activation":  # Conv, then the activation (ONNX Runtime fuses them)
        pads = list(params["padding"]) * 2
        conv = helper.make_node("Conv", ins, [f"{out}_conv"], strides=params["stride"], pads=pads,
                                dilations=params["dilation"], group=params.get("groups", 1))
        act, ap = params.get("activation", "relu"), params.get("params", [])
        if act == "clamp":
            for name, v in (("lo", ap[0]), ("hi", ap[1])):
                initializers.append(helper.make_tensor(f"{out}_{name}", TensorProto.FLOAT, [], [v]))
            return [conv, helper.make_node("Clip", [f"{out}_conv", f"{out}_lo", f"{out}_hi"], [out])]
        if act == "leaky_relu":
            return [conv, helper.make_node("LeakyRelu", [f"{out}_conv"], [out], alpha=ap[0])]
        return [conv, helper.make_node("Relu", [f"{out}_conv"], [out])]
    if op in ("max_pool", "avg_pool"):
        k = params["kernel_size"]
        attrs = dict(kernel_shape=k, strides=params.get("stride") or k, pads=list(params.get("padding", [0] * len(k))) * 2,
                     ceil_mode=int(params.get("ceil_mode", False)))
        if op == "max_pool":
            return helper.make_node("MaxPool", ins, [out], dilations=params.get("dilation", [1] * len(k)), **attrs)
        return helper.make_node("AveragePool", ins, [out], count_include_pad=int(params.get("count_include_pad", True)),
                                **attrs)
    if op in ("adaptive_avg_pool", "adaptive_max_pool"):
        if any(o != 1 for o in params["output_size"]):
            raise ValueError(f"{op} to a size other than 1 has no ONNX node")
        return helper.make_node("GlobalAveragePool" if op == "adaptive_avg_pool" else "GlobalMaxPool", ins, [out])
    if op == "pad":
        torch_pads = params["pad"]
        n = len(torch_pads) // 2
        begin = [0] * (rank - n) + [torch_pads[2 * (n - 1 - i)] for i in range(n)]
        end = [0] * (rank - n) + [torch_pads[2 * (n - 1 - i) + 1] for i in range(n)]
        name = f"{out}_pads"
        initializers.append(helper.make_tensor(name, TensorProto.INT64, [2 * rank], begin + end))
        mode = {"replicate": "edge"}.get(params.get("mode", "constant"), params.get("mode", "constant"))
        if mode == "circular":
            raise ValueError("circular padding has no ONNX Pad mode")
        return helper.make_node("Pad", [ins[0], name], [out], mode=mode)
    if op == "grid_sample":
        return helper.make_node("GridSample", ins, [out], mode=params.get("mode", "bilinear"),
                                padding_mode=params.get("padding_mode", "zeros"),
                                align_corners=int(params.get("align_corners", False)))
    if op == "linalg_det":
        return helper.make_node("Det", ins, [out])
    if op == "non_max_suppression":
        scalars = []
        for name, elem, v in [("max_output_boxes_per_class", TensorProto.INT64, params.get("max_output_boxes_per_class", 0)),
                              ("iou_threshold", TensorProto.FLOAT, params.get("iou_threshold", 0.0)),
                              ("score_threshold", TensorProto.FLOAT, params.get("score_threshold"))]:
            if v is None:
                continue
            initializers.append(helper.make_tensor(f"{out}_{name}", elem, [1], [v]))
            scalars.append(f"{out}_{name}")
        return helper.make_node("NonMaxSuppression", ins + scalars, [out])
    if op == "tfidf_vectorizer":
        return helper.make_node("TfIdfVectorizer", ins, [out], min_gram_length=params["min_gram_length"],
                                max_gram_length=params["max_gram_length"], max_skip_count=params["max_skip_count"],
                                ngram_counts=params["ngram_counts"], ngram_indexes=params["ngram_indexes"],
                                pool_int64s=params["pool"], mode=params.get("mode", "TF"))
    if op == "interpolate":
        sizes = f"{out}_sizes"
        full = list(shape[:2]) + list(params["size"])
        initializers.append(helper.make_tensor(sizes, TensorProto.INT64, [len(full)], full))
        mode = params.get("mode", "nearest")
        attrs = {"mode": {"bilinear": "linear", "bicubic": "cubic"}.get(mode, "nearest")}
        if mode == "nearest":
            attrs.update(coordinate_transformation_mode="asymmetric", nearest_mode="floor")
        else:
            attrs.update(coordinate_transformation_mode="align_corners" if params.get("align_corners") else "half_pixel")
        if mode == "bicubic":
            attrs["cubic_coeff_a"] = -0.75
        return helper.make_node("Resize", [ins[0], "", "", sizes], [out], **attrs)
    if op == "cat":
        return helper.make_node("Concat", ins, [out], axis=params.get("dim", 0))
    if op == "clone":
        return helper.make_node("Identity", ins, [out])
    if op in ("repeat", "tile"):
        reps = params["repeats" if op == "repeat" else "dims"]
        if len(reps) != rank:
            raise ValueError(f"{op} with {len(reps)} repeats of a rank-{rank} input has no single ONNX node")
        name = f"{out}_repeats"
        initializers.append(helper.make_tensor(name, TensorProto.INT64, [len(reps)], reps))
        return helper.make_node("Tile", ins + [name], [out])
    if op in ("tril", "triu"):
        name = f"{out}_k"
        initializers.append(helper.make_tensor(name, TensorProto.INT64, [], [params.get("diagonal", 0)]))
        return helper.make_node("Trilu", ins + [name], [out], upper=int(op == "triu"))
    if op == "gather":
        return helper.make_node("GatherElements", ins, [out], axis=dims[0])
    if op in ("scatter", "scatter_add"):
        return helper.make_node("ScatterElements", ins, [out], axis=dims[0],
                                reduction="add" if op == "scatter_add" else "none")
    if op == "index_select":
        return helper.make_node("Gather", ins, [out], axis=dims[0])
    if op == "embedding":
        return helper.make_node("Gather", ins, [out], axis=0)
    if op == "gather_nd":
        return helper.make_node("GatherND", ins, [out])
    if op == "scatter_nd":
        return helper.make_node("ScatterND", ins, [out])
    if op == "topk":
        name = f"{out}_k"
        initializers.append(helper.make_tensor(name, TensorProto.INT64, [1], [params.get("k", 1)]))
        return helper.make_node("TopK", ins + [name], [out, f"{out}_indices"], axis=dims[0] if dims else -1)
    if op == "unique":
        return helper.make_node("Unique", ins, [out], sorted=1)
    if op == "unique_dim":
        return helper.make_node("Unique", ins, [out], sorted=1, axis=dims[0])
    if op == "dropout":
        return helper.make_node("Dropout", ins, [out])
    if op in ("softmax", "log_softmax"):
        return helper.make_node("Softmax" if op == "softmax" else "LogSoftmax", ins, [out], axis=dims[0])
    if op == "layer_norm":
        return helper.make_node("LayerNormalization", ins, [out], axis=-1, epsilon=1e-5)
    if op == "instance_norm":
        return helper.make_node("InstanceNormalization", ins, [out], epsilon=1e-5)
    if op == "batch_norm":
        return helper.make_node("BatchNormalization", ins, [out], epsilon=1e-5)
    if op == "argmax":
        if dims is None:
            raise ValueError("argmax over all dims has no single ONNX node")
        return helper.make_node("ArgMax", ins, [out], axis=dims[0], keepdims=keepdim)
    raise ValueError(f"no ONNX node for op {op}")


def build(op, inputs, params, k):
    graph_inputs = [helper.make_tensor_value_info(f"x{i}", ELEM[s["dtype"]], s["shape"]) for i, s in enumerate(inputs)]
    rank = len(inputs[0]["shape"])
    nodes, inits = [], []
    first = "x0" if op != "where" else "x1"
    for i in range(k):
        out = "y" if i == k - 1 else f"t{i}"
        if op == "where":
            ins = ["x0", first, "x2"]
        else:
            ins = [first] + [f"x{j}" for j in range(1, len(inputs))]
        ins = torch_semantics(op, inputs, ins, out, nodes)
        made = node(op, ins, out, params, rank, inits, inputs[0]["shape"])
        nodes.extend(made if isinstance(made, list) else [made])
        first = out
    out_type = ELEM[inputs[1 if op == "where" else 0]["dtype"]]
    if op in ("eq", "ne", "lt", "le", "gt", "ge", "isnan", "isinf", "logical_not",
              "logical_and", "logical_or", "logical_xor"):
        out_type = TensorProto.BOOL
    elif op == "div" and inputs[0]["dtype"] in INTEGRAL:
        out_type = TensorProto.FLOAT
    elif op == "sum" and inputs[0]["dtype"] in INTEGRAL:
        out_type = TensorProto.INT64
    elif op in ("argmax", "argmin", "non_max_suppression"):
        out_type = TensorProto.INT64
    elif op == "tfidf_vectorizer":
        out_type = TensorProto.FLOAT
    elif op == "cast":
        out_type = ELEM[params["to"]]
    output = helper.make_tensor_value_info("y", out_type, None)
    graph = helper.make_graph(nodes, f"{op}_x{k}", graph_inputs, [output], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="tessera-bench")
    model.ir_version = 8
    # The output's shape comes from ONNX's own shape inference; the checker wants one.
    model = onnx.shape_inference.infer_shapes(model, strict_mode=True)
    onnx.checker.check_model(model)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--op", required=True)
    ap.add_argument("--inputs", required=True)
    ap.add_argument("--params", default="{}")
    ap.add_argument("--k", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    onnx.save(build(a.op, json.loads(a.inputs), json.loads(a.params), a.k), a.out)


if __name__ == "__main__":
    main()
