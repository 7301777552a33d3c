#!/usr/bin/python3
"""The PyTorch eager runner of `tessera bench-ops`: the user's view of PyTorch, through
Python, speaking the JSON-lines protocol of bench/harness/runner.h on stdin/stdout."""
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

DTYPES = {
    "bool": (torch.bool, np.bool_), "uint8": (torch.uint8, np.uint8), "int8": (torch.int8, np.int8),
    "int16": (torch.int16, np.int16), "int32": (torch.int32, np.int32), "int64": (torch.int64, np.int64),
    "float16": (torch.float16, np.float16), "bfloat16": (torch.bfloat16, np.int16),
    "float32": (torch.float32, np.float32), "float64": (torch.float64, np.float64),
    "complex64": (torch.complex64, np.complex64), "complex128": (torch.complex128, np.complex128),
}


def load_input(spec):
    tdt, ndt = DTYPES[spec["dtype"]]
    arr = np.fromfile(spec["path"], dtype=ndt).reshape(spec["shape"])
    t = torch.from_numpy(arr.copy())
    return t.view(tdt) if spec["dtype"] == "bfloat16" else t


def nms(x, p):
    """ONNX's NonMaxSuppression (corner boxes [y1, x1, y2, x2]) with torchvision's nms, one
    batch and class at a time, as a detection model's post-processing in PyTorch does."""
    import torchvision
    boxes, scores = x
    xyxy = torch.stack([torch.minimum(boxes[..., 1], boxes[..., 3]), torch.minimum(boxes[..., 0], boxes[..., 2]),
                        torch.maximum(boxes[..., 1], boxes[..., 3]), torch.maximum(boxes[..., 0], boxes[..., 2])], -1)
    limit, iou, thr = p.get("max_output_boxes_per_class", 0), p.get("iou_threshold", 0.0), p.get("score_threshold")

    def run():
        rows = []
        for b in range(scores.shape[0]):
            for c in range(scores.shape[1]):
                s = scores[b, c]
                idx = torch.arange(s.shape[0]) if thr is None else torch.nonzero(s > thr)[:, 0]
                keep = idx[torchvision.ops.nms(xyxy[b][idx], s[idx], iou)][:limit]
                rows.append(torch.stack([torch.full_like(keep, b), torch.full_like(keep, c), keep], 1))
        return torch.cat(rows)
    return run


def make_op(op, x, p):
    dim = p.get("dim")
    keepdim = p.get("keepdim", False)
    binary = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "pow": torch.pow,
              "eq": torch.eq, "ne": torch.ne, "lt": torch.lt, "le": torch.le, "gt": torch.gt, "ge": torch.ge, "matmul": torch.matmul}
    unary = {"neg": torch.neg, "abs": torch.abs, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt,
             "max": torch.max, "min": torch.min, "conj": torch.conj_physical, "real": torch.real,
             "imag": torch.imag, "angle": torch.angle}
    if op == "clamp":
        return lambda: torch.clamp(x[0], p.get("min"), p.get("max"))
    if op == "gelu":
        approximate = p.get("approximate", "none")
        return lambda: F.gelu(x[0], approximate=approximate)
    if op in binary:
        f = binary[op]
        return lambda: f(x[0], x[1])
    if op in unary:
        f = unary[op]
        return lambda: f(x[0])
    if op == "where":
        return lambda: torch.where(x[0], x[1], x[2])
    if op == "cast":
        to = DTYPES[p["to"]][0]
        return lambda: x[0].to(to)
    if op in ("sum", "mean"):
        f = torch.sum if op == "sum" else torch.mean
        if dim is None:
            return (lambda: f(x[0])) if not keepdim else (lambda: f(x[0], list(range(x[0].dim())), keepdim=True))
        return lambda: f(x[0], dim, keepdim=keepdim)
    if op in ("max_dim", "min_dim"):
        d = dim[0] if isinstance(dim, list) else dim
        f = torch.max if op == "max_dim" else torch.min
        return lambda: f(x[0], d, keepdim=keepdim).values
    if op == "argmax":
        d = dim[0] if isinstance(dim, list) else dim
        return lambda: torch.argmax(x[0], d, keepdim=keepdim)
    one = dim[0] if isinstance(dim, list) else dim
    if op in ("amax", "amin", "logsumexp"):
        f = getattr(torch, op)
        return lambda: f(x[0], dim, keepdim)
    if op in ("var", "std"):
        f = getattr(torch, op)
        return lambda: f(x[0], dim, keepdim=keepdim)
    if op == "norm":
        return lambda: torch.linalg.vector_norm(x[0], 2, dim, keepdim)
    if op == "argmin":
        return lambda: torch.argmin(x[0], one, keepdim=keepdim)
    if op == "prod_dim":
        return lambda: torch.prod(x[0], one, keepdim)
    if op in ("any", "all"):
        f = getattr(torch, op)
        return (lambda: f(x[0])) if dim is None else (lambda: f(x[0], one, keepdim))
    if op in ("cumsum", "cumprod"):
        f = getattr(torch, op)
        return lambda: f(x[0], one)
    if op == "convolution":
        args = (p["stride"], p["padding"], p["dilation"], p.get("transposed", False), p["output_padding"], p.get("groups", 1))
        return lambda: torch.convolution(x[0], x[1], x[2], *args)
    if op == "convolution_activation":  # the convolution, then the activation
        args = (p["stride"], p["padding"], p["dilation"], False, [0], p.get("groups", 1))
        act, ap = p.get("activation", "relu"), p.get("params", [])
        post = {"clamp": lambda y: torch.clamp(y, ap[0], ap[1]) if act == "clamp" else None,
                "leaky_relu": lambda y: F.leaky_relu(y, ap[0]) if act == "leaky_relu" else None,
                "relu": torch.relu}[act]
        return lambda: post(torch.convolution(x[0], x[1], x[2], *args))
    if op in ("max_pool", "avg_pool"):
        k = p["kernel_size"]
        f = getattr(F, f"{op}{len(k)}d")
        kw = dict(stride=p.get("stride") or None, padding=p.get("padding", 0), ceil_mode=p.get("ceil_mode", False))
        if op == "max_pool":
            kw["dilation"] = p.get("dilation", 1)
        else:
            kw["count_include_pad"] = p.get("count_include_pad", True)
        return lambda: f(x[0], k, **kw)
    if op in ("adaptive_avg_pool", "adaptive_max_pool"):
        o = p["output_size"]
        f = getattr(F, f"{op}{len(o)}d")
        return lambda: f(x[0], o)
    if op == "pad":
        return lambda: F.pad(x[0], p["pad"], p.get("mode", "constant"), p.get("value"))
    if op == "sdpa":
        causal = p.get("is_causal", False)

        def sdpa():  # torch 1.13 has no F.scaled_dot_product_attention: the composite
            s = x[0] @ x[1].transpose(-2, -1) / x[0].shape[-1] ** 0.5
            if causal:
                keep = torch.ones(x[0].shape[-2], x[1].shape[-2], dtype=torch.bool).tril()
                s = s.masked_fill(~keep, float("-inf"))
            return torch.softmax(s, -1) @ x[2]
        return sdpa
    if op == "interpolate":
        kw = dict(size=p["size"], mode=p.get("mode", "nearest"))
        if kw["mode"] not in ("nearest", "nearest-exact"):
            kw["align_corners"] = p.get("align_corners", False)
        return lambda: F.interpolate(x[0], **kw)
    if op == "grid_sample":
        kw = dict(mode=p.get("mode", "bilinear"), padding_mode=p.get("padding_mode", "zeros"),
                  align_corners=p.get("align_corners", False))
        return lambda: F.grid_sample(x[0], x[1], **kw)
    if op == "linalg_det":
        return lambda: torch.linalg.det(x[0])
    if op == "non_max_suppression":
        return nms(x, p)
    if op == "einsum":
        eq = p["equation"]
        return lambda: torch.einsum(eq, *x)
    if op == "repeat":
        return lambda: x[0].repeat(p["repeats"])
    if op == "tile":
        return lambda: x[0].tile(p["dims"])
    if op == "fused_elementwise":  # the program's ops in order (numbers as Python floats)
        binary = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div,
                  "maximum": torch.maximum, "minimum": torch.minimum}
        unary = {"neg": torch.neg, "abs": torch.abs, "relu": torch.relu, "sigmoid": torch.sigmoid,
                 "tanh": torch.tanh, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt,
                 "rsqrt": torch.rsqrt, "reciprocal": torch.reciprocal, "erf": torch.erf, "silu": F.silu}
        tokens = p["program"].split()

        def program():
            stack = []
            for tok in tokens:
                if tok[0] == "x" and tok[1:].isdigit():
                    stack.append(x[int(tok[1:])])
                elif tok in binary:
                    b = stack.pop()
                    stack.append(binary[tok](stack.pop(), b))
                elif tok in unary:
                    stack.append(unary[tok](stack.pop()))
                else:
                    stack.append(float(tok))
            return stack[0]
        return program
    if op in ("cat", "stack"):
        f = getattr(torch, op)
        d = p.get("dim", 0)
        return lambda: f(x, d)
    if op == "flip":
        return lambda: x[0].flip(p["dims"])
    if op == "roll":
        return lambda: x[0].roll(p["shifts"], p.get("dims", []))
    if op in ("tril", "triu"):
        f = getattr(torch, op)
        k = p.get("diagonal", 0)
        return lambda: f(x[0], k)
    if op == "clone":
        return lambda: x[0].clone()
    if op == "one_hot":
        n = p.get("num_classes", -1)
        return lambda: F.one_hot(x[0], n)
    value = p.get("value", 0.0)
    if op == "gather":
        return lambda: torch.gather(x[0], one, x[1])
    if op == "scatter":
        return lambda: torch.scatter(x[0], one, x[1], x[2])
    if op == "scatter_value":
        return lambda: torch.scatter(x[0], one, x[1], value)
    if op == "scatter_add":
        return lambda: torch.scatter_add(x[0], one, x[1], x[2])
    if op == "index_select":
        return lambda: torch.index_select(x[0], one, x[1])
    if op == "masked_fill":
        return lambda: x[0].masked_fill(x[1], value)
    if op == "nonzero":
        return lambda: torch.nonzero(x[0])
    if op == "embedding":
        return lambda: F.embedding(x[1], x[0])
    if op == "gather_nd":
        return lambda: x[0][tuple(x[1].unbind(-1))]
    if op == "scatter_nd":
        return lambda: x[0].index_put(tuple(x[1].unbind(-1)), x[2])
    if op == "sort":
        return lambda: torch.sort(x[0], dim=-1 if one is None else one, stable=True).values
    if op == "argsort":
        return lambda: torch.argsort(x[0], dim=-1 if one is None else one, stable=True)
    if op == "topk":
        k = p.get("k", 1)
        return lambda: torch.topk(x[0], k, -1 if one is None else one).values
    if op == "unique_dim":
        return lambda: torch.unique(x[0], dim=dim, return_inverse=True, return_counts=True)[0]
    if op == "unique":
        return lambda: torch.unique(x[0], sorted=True, return_inverse=True, return_counts=True)[0]
    if op == "dropout":
        pr, train = p.get("p", 0.5), p.get("train", False)
        return lambda: F.dropout(x[0], pr, train)
    if op in ("softmax", "log_softmax"):
        f = getattr(torch, op)
        return lambda: f(x[0], one)
    if op == "layer_norm":
        return lambda: F.layer_norm(x[0], x[1].shape, x[1], x[2])
    if op == "rms_norm":
        eps = torch.finfo(torch.float32).eps
        return lambda: x[0] * torch.rsqrt(x[0].pow(2).mean(-1, keepdim=True) + eps) * x[1]
    if op == "group_norm":
        groups = p.get("num_groups", 1)
        return lambda: F.group_norm(x[0], groups, x[1], x[2])
    if op == "instance_norm":
        return lambda: F.instance_norm(x[0], weight=x[1], bias=x[2])
    if op == "batch_norm":
        return lambda: F.batch_norm(x[0], x[3], x[4], x[1], x[2], False)
    if op == "lerp_scalar":
        w = p.get("weight", 0.5)
        return lambda: torch.lerp(x[0], x[1], w)
    # The other ops, by their name in torch or torch.nn.functional.
    if hasattr(torch, op) or hasattr(F, op):
        f = getattr(torch, op) if hasattr(torch, op) else getattr(F, op)
        return lambda: f(*x)
    raise ValueError(f"the PyTorch runner has no op {op}")


def time_fn(fn, iters):
    start = time.perf_counter()
    for _ in range(iters):
        fn()
    return time.perf_counter() - start


def main():
    torch.set_grad_enabled(False)
    loaded = None
    one_a, one_b = torch.ones(1), torch.ones(1)
    for line in sys.stdin:
        req_id = None  # echoed, so the harness can tell this reply from a late one
        try:
            req = json.loads(line)
            req_id = req.get("id")
            cmd = req["cmd"]
            if cmd == "hello":
                reply = {"ok": True, "framework": "pytorch", "version": torch.__version__}
            elif cmd == "load":
                torch.set_num_threads(req["threads"])
                x = [load_input(i) for i in req["inputs"]]
                loaded = make_op(req["op"], x, req["params"])
                out = loaded().contiguous()
                out.reshape(-1).view(torch.uint8).numpy().tofile(req["output"])
                reply = {"ok": True}
            elif cmd == "run":
                reply = {"ok": True, "seconds": time_fn(loaded, req["iters"])}
            elif cmd == "overhead":
                reply = {"ok": True, "seconds": time_fn(lambda: torch.add(one_a, one_b), req["iters"])}
            else:
                reply = {"ok": False, "error": f"unknown command {cmd}"}
        except Exception as e:  # noqa: BLE001 - every failure goes back to the harness
            reply = {"ok": False, "error": str(e).split("\n")[0]}
        reply["id"] = req_id
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
