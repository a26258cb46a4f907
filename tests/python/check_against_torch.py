#!/usr/bin/env python3
"""Loads Pigment checkpoints into the reference PyTorch networks and compares outputs.

    python3 check_against_torch.py DIR

DIR holds cases.json (written by tests/torch_crosscheck.cpp) and, per case, <case>.safetensors
(the network's state_dict as Pigment saves it) and <case>_io.safetensors (input and Pigment's
output). Exit 0: every output agrees; 1: a mismatch or an error; 77: PyTorch is not installed
(CTest reports the test as skipped)."""
import json
import os
import sys

try:
    import numpy as np
    import torch
except ImportError:
    print("PyTorch (Debian: python3-torch) is not installed: skipping the PyTorch cross-check")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_nets import build  # noqa: E402
from safetensors_numpy import read_safetensors as read_numpy_safetensors  # noqa: E402


def read_safetensors(path):
    tensors, _ = read_numpy_safetensors(path)
    return {key: torch.from_numpy(a.copy()) for key, a in tensors.items()}


def main():
    directory = sys.argv[1]
    with open(os.path.join(directory, "cases.json")) as f:
        cases = json.load(f)
    failures = 0
    for case in cases:
        name = case["name"]
        net = build(case)
        state = read_safetensors(os.path.join(directory, name + ".safetensors"))
        missing, unexpected = net.load_state_dict(state, strict=False)
        missing = [k for k in missing if not k.endswith("num_batches_tracked")]
        if missing or unexpected:
            print(f"{name}: state_dict keys differ: missing {missing[:5]}, unexpected {unexpected[:5]}")
            failures += 1
            continue
        io = read_safetensors(os.path.join(directory, name + "_io.safetensors"))
        net.train(case["training"])
        with torch.no_grad():
            out = net(io["input"])
        expected = io["output"]
        scale = max(1.0, float(expected.abs().max()))
        err = float((out - expected).abs().max()) / scale
        ok = out.shape == expected.shape and err < 1e-4
        print(f"{name:<28} {str(tuple(out.shape)):<20} max error {err:.2e} (relative to {scale:.3g})  "
              f"{'ok' if ok else 'MISMATCH'}")
        failures += not ok
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
