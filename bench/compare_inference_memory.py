#!/usr/bin/env python3
"""Peak memory and time of whole-image inference, Pigment's gan-test against a PyTorch forward
under torch.no_grad(), in one run on this machine (issue: memory; goal: Pigment's peak ≤ 1.5×
PyTorch's, speed no worse).

    python3 bench/compare_inference_memory.py [--gan-test build/bin/gan-test] [--sizes 512 768]
                                              [--nets resnet_9blocks unet_256] [--threads 2]
                                              [--json bench/results/inference_memory_<date>.json]

Both sides run the same random-init network (tests/python/reference_nets.py, instance norm, no
dropout): PyTorch's weights are converted with tools/convert_reference_checkpoint.py and loaded
by `gan-test --model test`. Each side is its own process, measured from outside: peak resident
memory (wait4's ru_maxrss, which counts every allocation of the process, the libraries too) and
wall time. Pigment's time includes decoding and encoding the PNGs; PyTorch's is the forward alone."""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, HERE)
from process_peak import run_measured  # noqa: E402


TORCH_FORWARD = """
import sys, time, torch
sys.path.insert(0, sys.argv[1])
from reference_nets import ResnetGenerator, UnetGenerator
net, size, threads, weights = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
torch.set_num_threads(threads)
G = ResnetGenerator(3, 3, 64, "instance", False, 9) if net == "resnet_9blocks" else UnetGenerator(3, 3, 8, 64, "instance", False)
G.load_state_dict(torch.load(weights))
G.eval()
x = torch.rand(1, 3, size, size) * 2 - 1
with torch.no_grad():
    t = time.monotonic(); y = G(x); print(f"forward {time.monotonic() - t:.3f} s", y.shape)
"""

MAKE_WEIGHTS = """
import sys, torch
sys.path.insert(0, sys.argv[1])
from reference_nets import ResnetGenerator, UnetGenerator
torch.manual_seed(0)
net = sys.argv[2]
G = ResnetGenerator(3, 3, 64, "instance", False, 9) if net == "resnet_9blocks" else UnetGenerator(3, 3, 8, 64, "instance", False)
torch.save(G.state_dict(), sys.argv[3])
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gan-test", default=os.path.join(ROOT, "build", "bin", "gan-test"))
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 768])
    parser.add_argument("--nets", nargs="+", default=["resnet_9blocks", "unet_256"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    python = sys.executable
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    nets_dir = os.path.join(ROOT, "tests", "python")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for net in args.nets:
            pth = os.path.join(work, f"{net}.pth")
            subprocess.run([python, "-c", MAKE_WEIGHTS, nets_dir, net, pth], check=True)
            ckpt = os.path.join(work, "checkpoints", net)
            os.makedirs(ckpt, exist_ok=True)
            subprocess.run([python, os.path.join(ROOT, "tools", "convert_reference_checkpoint.py"), pth,
                            os.path.join(ckpt, "latest_net_G.safetensors")], check=True, stdout=subprocess.DEVNULL)
            for size in args.sizes:
                image = os.path.join(work, f"input_{size}.png")
                subprocess.run([python, "-c", "import sys\nfrom PIL import Image\nimport numpy as np\n"
                                "rng = np.random.default_rng(0)\n"
                                "Image.fromarray(rng.integers(0, 256, (int(sys.argv[1]), int(sys.argv[1]), 3), "
                                "dtype=np.uint8)).save(sys.argv[2])", str(size), image], check=True)
                pig_rss, pig_s, pig_out = run_measured(
                    [args.gan_test, "--model", "test", "--netG", net, "--norm", "instance", "--no_dropout",
                     "--checkpoints_dir", os.path.join(work, "checkpoints"), "--name", net, "--dataroot", image,
                     "--results_dir", os.path.join(work, "results"), "--device", "cpu"], env)
                torch_rss, torch_s, torch_out = run_measured(
                    [python, "-c", TORCH_FORWARD, nets_dir, net, str(size), str(args.threads), pth], env)
                memory_line = next((l for l in pig_out.splitlines() if "peak memory" in l), "")
                row = {"net": net, "size": size, "pigment_peak_rss_bytes": pig_rss, "pigment_seconds": round(pig_s, 3),
                       "torch_peak_rss_bytes": torch_rss, "torch_seconds": round(torch_s, 3),
                       "memory_ratio": round(pig_rss / torch_rss, 3), "pigment_memory_line": memory_line.strip(),
                       "torch_output": torch_out.strip()}
                rows.append(row)
                print(f"{net:>15} {size:>5}²: Pigment {pig_rss / 1e6:8.0f} MB {pig_s:7.2f} s | PyTorch "
                      f"{torch_rss / 1e6:8.0f} MB {torch_s:7.2f} s | memory {row['memory_ratio']:.2f}×", flush=True)
    result = {"date": datetime.date.today().isoformat(), "machine": platform.node(), "cpu": platform.processor(),
              "threads": args.threads, "torch": subprocess.run([python, "-c", "import torch; print(torch.__version__)"],
                                                               capture_output=True, text=True).stdout.strip(),
              "note": "peak RSS of each process (wait4 ru_maxrss); Pigment's time includes PNG I/O and process "
                      "start, PyTorch's includes import and process start",
              "rows": rows}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
        print("wrote", args.json)


if __name__ == "__main__":
    main()
