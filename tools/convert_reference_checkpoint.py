#!/usr/bin/env python3
"""Converts a checkpoint of the reference PyTorch implementation (junyanz/pytorch-CycleGAN-and-pix2pix,
a state_dict saved as e.g. latest_net_G.pth) into Pigment's safetensors, keeping the key names:

    python3 tools/convert_reference_checkpoint.py latest_net_G.pth checkpoints/NAME/latest_net_G.safetensors

Runs wherever PyTorch is installed (Debian: apt-get install python3-torch). Tensors become float32;
BatchNorm's num_batches_tracked counters (int64, unused by Pigment) are dropped. The file is
written by hand (8-byte header length, JSON header, data), so no extra package is needed."""
import argparse
import json
import os
import struct
import sys
import tempfile


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", help="the reference's .pth state_dict")
    parser.add_argument("output", help="the .safetensors file to write")
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        sys.exit("convert_reference_checkpoint: PyTorch is not installed (Debian: apt-get install python3-torch)")
    try:
        state = torch.load(args.input, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - report any unreadable file plainly
        sys.exit(f"convert_reference_checkpoint: cannot read '{args.input}': {e}")
    if hasattr(state, "state_dict"):
        state = state.state_dict()
    if not isinstance(state, dict):
        sys.exit(f"convert_reference_checkpoint: '{args.input}' holds a {type(state).__name__}, not a state_dict")
    header, blobs, offset = {}, [], 0
    for key, value in state.items():
        if key.endswith("num_batches_tracked"):
            continue
        if not torch.is_tensor(value):
            sys.exit(f"convert_reference_checkpoint: entry '{key}' is not a tensor")
        t = value.detach().to(torch.float32).contiguous().cpu()
        if t.dim() > 4:
            sys.exit(f"convert_reference_checkpoint: '{key}' has {t.dim()} dimensions; Pigment tensors have at most 4")
        raw = t.numpy().tobytes()
        header[key] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    header["__metadata__"] = {"format": "pt", "converted_from": os.path.basename(args.input)}
    text = json.dumps(header).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    out_dir = os.path.dirname(os.path.abspath(args.output))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix=".tmp")
    with os.fdopen(fd, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for raw in blobs:
            f.write(raw)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, args.output)
    print(f"wrote {args.output}: {len(header) - 1} tensors")


if __name__ == "__main__":
    main()
