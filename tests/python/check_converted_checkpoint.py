#!/usr/bin/env python3
"""End to end: a checkpoint of the reference PyTorch architecture (torch.save of a state_dict, BatchNorm
counters included) is converted by tools/convert_reference_checkpoint.py and used by gan-test, whose
output must match PyTorch's on the same image.

    python3 check_converted_checkpoint.py GAN_TEST CONVERTER WORK_DIR

Exit 0 on agreement, 1 on a mismatch, 77 when PyTorch is not installed (CTest: skipped)."""
import os
import subprocess
import sys

try:
    import numpy as np
    import torch
except ImportError:
    print("PyTorch (Debian: python3-torch) is not installed: skipping")
    sys.exit(77)
try:
    from PIL import Image
except ImportError:
    print("PIL (Debian: python3-pil) is not installed: skipping")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_nets import UnetGenerator  # noqa: E402


def main():
    gan_test, converter, work = sys.argv[1:4]
    os.makedirs(os.path.join(work, "checkpoints", "ref"), exist_ok=True)
    torch.manual_seed(0)
    net = UnetGenerator(3, 3, 7, 8, "batch", True)  # unet_128, ngf 8, batch norm, dropout layers
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
    net.eval()
    pth = os.path.join(work, "latest_net_G.pth")
    torch.save(net.state_dict(), pth)
    subprocess.run([sys.executable, converter, pth, os.path.join(work, "checkpoints", "ref", "latest_net_G.safetensors")],
                   check=True)
    # A smooth test image, 128×128, 8-bit.
    y, x = np.mgrid[0:128, 0:128] / 127.0
    img = np.stack([np.sin(3 * x + 1) * 0.5 + 0.5, y, (x * y) ** 0.5], -1)
    img8 = (img * 255).round().astype(np.uint8)
    Image.fromarray(img8).save(os.path.join(work, "input.png"))
    with torch.no_grad():
        t = torch.from_numpy(img8.astype(np.float32) / 255 * 2 - 1).permute(2, 0, 1)[None]
        expected = ((net(t)[0].permute(1, 2, 0).numpy() + 1) / 2).clip(0, 1)
    subprocess.run([gan_test, "--checkpoints_dir", os.path.join(work, "checkpoints"), "--name", "ref",
                    "--results_dir", os.path.join(work, "results"), "--model", "pix2pix", "--netG", "unet_128",
                    "--ngf", "8", "--norm", "batch", "--input_nc", "3", "--output_nc", "3", "--dataset_mode", "single",
                    "--dataroot", os.path.join(work, "input.png"), "--device", "cpu"], check=True)
    out = np.asarray(Image.open(os.path.join(work, "results", "ref", "test_latest", "images", "input_fake_B.png")),
                     dtype=np.float64)[..., :3] / 255
    err = np.abs(out - expected).max()
    print(f"gan-test output vs PyTorch: max difference {err * 255:.2f} / 255")
    sys.exit(0 if err <= 1.5 / 255 else 1)  # both sides round to 8 bits: at most one level apart, plus float noise


if __name__ == "__main__":
    main()
