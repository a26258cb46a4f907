#!/usr/bin/env python3
"""Data-parallel training on this machine's CPU: seconds per image and images/s of gan-train in one
process against `mpirun -np 2` (2 ranks over Open MPI), for the same images per step.

Each configuration trains twice, for N1 and N2 images, and the rate is (N2 − N1) / (T(N2) − T(N1)):
start-up (process launch, MPI_Init, building the nets) cancels out. Every configuration runs
`--repeats` times; the median is kept. One process uses every core (the CPU backend's OpenMP
threads); each of 2 ranks uses half (its free-core follower sees the other rank's load).

    bench/compare_data_parallel.py [--bin build/bin] [--out bench/results/data_parallel_cpu_<date>.json]
"""
import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--bin", default="build/bin")
ap.add_argument("--out", default=f"bench/results/data_parallel_cpu_{datetime.date.today()}.json")
ap.add_argument("--repeats", type=int, default=3)
args = ap.parse_args()
gan_train = os.path.abspath(os.path.join(args.bin, "gan-train"))
env = dict(os.environ, OMPI_MCA_btl_vader_single_copy_mechanism="none", OMPI_MCA_rmaps_base_oversubscribe="1")

MODELS = {
    # name: (arguments, images in the short and the long run)
    "pix2pix_unet128_ngf32": (["--model", "pix2pix", "--netG", "unet_128", "--ngf", "32", "--ndf", "32",
                               "--load_size", "128", "--crop_size", "128", "--norm", "instance"], 16, 160),
    "cycle_gan_resnet6_ngf16": (["--model", "cycle_gan", "--netG", "resnet_6blocks", "--ngf", "16", "--ndf", "16",
                                 "--load_size", "128", "--crop_size", "128", "--pool_size", "0"], 8, 64),
    # gan-train's built-in default for pix2pix on the built-in scenes (sa_unet_6d, 7.4 M + 0.7 M
    # parameters: the largest all-reduce here, 32 MB a step).
    "pix2pix_builtin_default": (["--model", "pix2pix"], 16, 160),
}


def mpirun(n):
    cmd = ["mpirun", "--oversubscribe", "--bind-to", "none", "-np", str(n)]
    return cmd + (["--allow-run-as-root"] if os.geteuid() == 0 else [])


def timed(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise SystemExit(f"failed ({p.returncode}): {' '.join(cmd)}\n{p.stdout[-2000:]}{p.stderr[-2000:]}")
    return time.perf_counter() - t


def seconds_per_image(prefix, model_args, batch, images_short, images_long):
    def one(images):
        work = tempfile.mkdtemp(prefix="pigment-dp-")
        try:
            return timed(prefix + [gan_train, *model_args, "--batch_size", str(batch), "--synthetic_train",
                                   str(images), "--n_epochs", "1", "--n_epochs_decay", "0", "--checkpoints_dir", work,
                                   "--name", "bench", "--print_freq", "1000000", "--display_freq", "1000000",
                                   "--save_epoch_freq", "1000", "--no_progress", "--no_tensorboard"])
        finally:
            shutil.rmtree(work, ignore_errors=True)

    rates = []
    for _ in range(args.repeats):
        rates.append((one(images_long) - one(images_short)) / (images_long - images_short))
    return statistics.median(rates), rates


results = []
for name, (model_args, short, long) in MODELS.items():
    # The same 2 images a step: 1 process × batch 2, and 2 ranks × batch 1.
    one_proc, one_all = seconds_per_image([], model_args, 2, short, long)
    two_ranks, two_all = seconds_per_image(mpirun(2), model_args, 1, short, long)
    entry = {
        "model": name, "arguments": model_args, "images_per_step": 2,
        "one_process": {"batch_size": 2, "seconds_per_image": one_proc, "images_per_second": 1 / one_proc,
                        "runs": one_all},
        "two_ranks": {"batch_size_per_rank": 1, "seconds_per_image": two_ranks, "images_per_second": 1 / two_ranks,
                      "runs": two_all},
        "speedup_two_ranks": one_proc / two_ranks,
    }
    print(f"{name}: 1 process {1 / one_proc:.2f} img/s, 2 ranks {1 / two_ranks:.2f} img/s "
          f"(× {one_proc / two_ranks:.2f})", flush=True)
    results.append(entry)

git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
mpi = subprocess.run(["mpirun", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
out = {
    "date": str(datetime.date.today()), "commit": git, "machine": platform.processor() or platform.machine(),
    "cores": os.cpu_count(), "mpi": mpi, "method": __doc__.strip().splitlines()[2], "results": results,
    "command": "python3 bench/compare_data_parallel.py",
}
os.makedirs(os.path.dirname(args.out), exist_ok=True)
with open(args.out, "w") as f:
    json.dump(out, f, indent=2)
print("wrote", args.out)
