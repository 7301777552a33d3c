#!/usr/bin/python3
"""Writes models/tiny_cnn.onnx, the small model `make run` runs: a conv-bn-relu-pool block,
a residual conv, global pooling and a classifier, with seeded random weights (so the file is
reproducible), exported by Debian's PyTorch. Run with /usr/bin/python3 (Debian's torch)."""
import os
import torch

torch.manual_seed(0)


class TinyCnn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 16, 3, stride=2, padding=1, bias=False)
        self.bn = torch.nn.BatchNorm2d(16)
        self.conv = torch.nn.Conv2d(16, 16, 3, padding=1)
        self.fc = torch.nn.Linear(16, 10)

    def forward(self, x):
        y = torch.relu(self.bn(self.stem(x)))
        y = torch.nn.functional.max_pool2d(y, 2)
        y = torch.relu(y + self.conv(y))
        y = torch.flatten(torch.nn.functional.adaptive_avg_pool2d(y, 1), 1)
        return torch.softmax(self.fc(y), dim=1)


model = TinyCnn().eval()
with torch.no_grad():  # statistics that are not the identity
    model.bn.running_mean.uniform_(-0.5, 0.5)
    model.bn.running_var.uniform_(0.5, 2.0)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tiny_cnn.onnx")
torch.onnx.export(model, torch.randn(1, 3, 32, 32), out, input_names=["image"],
                  output_names=["probabilities"], dynamic_axes={"image": {0: "batch"}},
                  opset_version=13)
print("wrote", out)
