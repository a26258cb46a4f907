#!/usr/bin/env python3
"""The memory colorizer's key network reads torchvision's ResNet-18 weights and computes what
torchvision computes: a ResNet-18 with random weights and random batch-norm statistics is saved,
converted with tools/convert_reference_checkpoint.py, loaded by Pigment, and both compute the
pooled features of gray images (Pigment's input convention: gray sRGB from L, ImageNet
normalisation) in evaluation mode. Exit 77 (skipped) without torchvision.
    check_torchvision_resnet.py KEY_CHECK_BINARY CONVERTER WORK_DIR"""
import json
import os
import struct
import subprocess
import sys

try:
    import torch
    import torchvision
except ImportError:
    print("skipped: torch and torchvision are needed (tools/install-deps.sh installs python3-torchvision)")
    sys.exit(77)


def save_safetensors(path, tensors):
    header, data = {}, b""
    for name, t in tensors.items():
        raw = t.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        a, b = h["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[a:b]), dtype=torch.float32).reshape(h["shape"])
    return out


def main():
    binary, converter, work = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(work, exist_ok=True)
    torch.manual_seed(2026)
    net = torchvision.models.resnet18()
    with torch.no_grad():  # batch-norm statistics and affine parameters away from 0 and 1
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.3, 0.3)
    net.eval()
    pth = os.path.join(work, "resnet18.pth")
    torch.save(net.state_dict(), pth)
    weights = os.path.join(work, "resnet18.safetensors")
    subprocess.run([sys.executable, converter, pth, weights], check=True)
    # L in the model's scaling (L/50 − 1); Pigment's input convention, written out.
    L = torch.rand(2, 1, 64, 64) * 2 - 1
    save_safetensors(os.path.join(work, "input.safetensors"), {"L": L})
    gray = 1.055 * ((L * 50 + 66) / 116) ** 1.25 - 0.055
    mean, std = torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225])
    x = (gray.repeat(1, 3, 1, 1) - mean[None, :, None, None]) / std[None, :, None, None]
    net.fc = torch.nn.Identity()
    with torch.no_grad():
        expected = net(x)
    out = os.path.join(work, "features.safetensors")
    subprocess.run([binary, weights, os.path.join(work, "input.safetensors"), out], check=True)
    got = load_safetensors(out)["features"]
    err = (got - expected).abs().max().item() / expected.abs().max().item()
    print(f"ResNet-18 features [2, 512]: max error {err:.2e} of the largest feature {expected.abs().max().item():.3f}")
    # float32 on both sides, different summation orders over K up to 4608: ≈1e-6 relative.
    sys.exit(0 if got.shape == expected.shape and err < 1e-4 else 1)


if __name__ == "__main__":
    main()
