#!/usr/bin/python3
"""Real models against PyTorch: exports torchvision's resnet18 and mobilenet_v2, a
TransformerEncoder and recurrent layers (LSTM, GRU, RNN; random weights; BatchNorm affine parameters and running statistics
randomised so the outputs are not near zero) with Debian's torch, runs each with
`tessera run`, and checks max |tessera - torch| <= 1e-4 * max |torch|.

    real_models.py TESSERA_BINARY [--keep DIR] [--only NAME]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import torch
import torchvision


def randomise_batchnorm(model):
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.5, 0.5)
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
    return model


class Recurrent(torch.nn.Module):
    """A bidirectional two-layer LSTM (batch first), a bidirectional GRU and a ReLU RNN."""

    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(16, 32, num_layers=2, bidirectional=True, batch_first=True)
        self.gru = torch.nn.GRU(64, 24, bidirectional=True)
        self.rnn = torch.nn.RNN(48, 8, nonlinearity="relu")

    def forward(self, x):
        y, _ = self.lstm(x)
        y, _ = self.gru(y.transpose(0, 1))
        y, _ = self.rnn(y)
        return y


def models():
    torch.manual_seed(0)
    yield "resnet18", randomise_batchnorm(torchvision.models.resnet18()), torch.randn(1, 3, 224, 224)
    torch.manual_seed(1)
    yield "mobilenet_v2", randomise_batchnorm(torchvision.models.mobilenet_v2()), torch.randn(1, 3, 224, 224)
    torch.manual_seed(2)
    layer = torch.nn.TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=256,
                                             dropout=0.0, batch_first=True)
    yield "transformer_encoder", torch.nn.TransformerEncoder(layer, num_layers=2), torch.randn(2, 16, 128)
    torch.manual_seed(3)
    yield "recurrent", Recurrent(), torch.randn(2, 10, 16)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("tessera")
    p.add_argument("--keep", help="folder to keep the models, inputs and outputs in")
    p.add_argument("--only")
    args = p.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="tessera_models_")
    os.makedirs(work, exist_ok=True)
    failed = 0
    for name, model, x in models():
        if args.only and name != args.only:
            continue
        model.eval()
        with torch.no_grad():
            want = model(x).numpy()
        path = os.path.join(work, name + ".onnx")
        torch.onnx.export(model, x, path, input_names=["input"], output_names=["output"],
                          opset_version=13)
        np.save(os.path.join(work, name + "_input.npy"), x.numpy())
        out_dir = os.path.join(work, name + "_out")
        r = subprocess.run([args.tessera, "run", path, "--input",
                            "input=" + os.path.join(work, name + "_input.npy"),
                            "--output-dir", out_dir], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{name}: tessera run failed:\n{r.stdout}{r.stderr}")
            failed += 1
            continue
        got = np.load(os.path.join(out_dir, "output.npy"))
        diff = float(np.abs(got - want).max())
        scale = float(np.abs(want).max())
        ok = got.shape == want.shape and diff <= 1e-4 * scale
        print(f"{name}: max |diff| {diff:.3g}, max |reference| {scale:.3g}, "
              f"ratio {diff / scale:.3g} -> {'ok' if ok else 'FAIL'}")
        failed += not ok
        # Optimised and exported back to ONNX: the file passes the onnx checker and runs
        # to the same outputs.
        opt = os.path.join(work, name + "_optimized.onnx")
        r = subprocess.run([args.tessera, "optimize", path, "-o", opt], capture_output=True, text=True)
        if r.returncode != 0:
            print(f"{name}: tessera optimize failed:\n{r.stdout}{r.stderr}")
            failed += 1
            continue
        onnx.checker.check_model(onnx.load(opt))
        r = subprocess.run([args.tessera, "run", opt, "--input",
                            "input=" + os.path.join(work, name + "_input.npy"),
                            "--output-dir", out_dir + "_opt"], capture_output=True, text=True)
        got2 = np.load(os.path.join(out_dir + "_opt", "output.npy")) if r.returncode == 0 else None
        ok = got2 is not None and float(np.abs(got2 - want).max()) <= 1e-4 * scale
        print(f"{name} optimised and exported: {'ok' if ok else 'FAIL: ' + r.stdout + r.stderr}")
        failed += not ok
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
