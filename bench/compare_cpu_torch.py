#!/usr/bin/env python3
"""Times the CPU training steps of bench/cpu_steps.cpp in PyTorch on this machine, runs Pigment's
benchmark right after, and prints the ratios (issue: CPU speed; goal: Pigment within 2× of PyTorch).

    python3 bench/compare_cpu_torch.py [--pigment build/bin/pigment_bench_cpu_steps] [--threads 2]
                                       [--json bench/results/cpu_steps_<date>.json]

Uses Debian's python3-torch. Both sides use the same networks (tests/python/reference_nets.py), the
same losses and update order (pix2pix-style colorization: D step first, vanilla GAN + 100·L1; CycleGAN:
lsgan, cycle 10, identity 0.5, image pool of 50), batch 1, 128², the same thread count."""
import argparse
import datetime
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "python"))
from reference_nets import NLayerDiscriminator, ResnetGenerator, UnetGenerator  # noqa: E402


def adam(params):
    return torch.optim.Adam(params, lr=2e-4, betas=(0.5, 0.999))


def set_grad(nets, flag):
    for n in nets:
        for p in n.parameters():
            p.requires_grad_(flag)


class Pool:
    def __init__(self, size):
        self.size, self.images = size, []

    def query(self, images):
        out = []
        for im in images.detach():
            im = im.unsqueeze(0)
            if len(self.images) < self.size:
                self.images.append(im)
                out.append(im)
            elif random.random() > 0.5:
                i = random.randrange(self.size)
                out.append(self.images[i].clone())
                self.images[i] = im
            else:
                out.append(im)
        return torch.cat(out, 0)


def colorization_step(size):
    G = UnetGenerator(1, 2, 7, 32, "batch", True)
    D = NLayerDiscriminator(3, 32, 3, "batch")
    oG, oD = adam(G.parameters()), adam(D.parameters())
    bce, l1 = nn.BCEWithLogitsLoss(), nn.L1Loss()
    A, B = torch.rand(1, 1, size, size) * 2 - 1, torch.rand(1, 2, size, size) * 2 - 1

    def step():
        fake = G(A)
        set_grad([D], True)
        oD.zero_grad()
        pf, pr = D(torch.cat([A, fake.detach()], 1)), D(torch.cat([A, B], 1))
        (0.5 * (bce(pf, torch.zeros_like(pf)) + bce(pr, torch.ones_like(pr)))).backward()
        oD.step()
        set_grad([D], False)
        oG.zero_grad()
        pf = D(torch.cat([A, fake], 1))
        (bce(pf, torch.ones_like(pf)) + 100 * l1(fake, B)).backward()
        oG.step()

    return step


def cycle_gan_step(size):
    GA, GB = ResnetGenerator(3, 3, 32, "instance", False, 6), ResnetGenerator(3, 3, 32, "instance", False, 6)
    DA, DB = NLayerDiscriminator(3, 32, 3, "instance"), NLayerDiscriminator(3, 32, 3, "instance")
    oG, oD = adam(list(GA.parameters()) + list(GB.parameters())), adam(list(DA.parameters()) + list(DB.parameters()))
    mse, l1 = nn.MSELoss(), nn.L1Loss()
    poolA, poolB = Pool(50), Pool(50)
    A, B = torch.rand(1, 3, size, size) * 2 - 1, torch.rand(1, 3, size, size) * 2 - 1

    def step():
        fB, fA = GA(A), GB(B)
        rA, rB = GB(fB), GA(fA)
        set_grad([DA, DB], False)
        oG.zero_grad()
        pA, pB = DA(fB), DB(fA)
        lG = (mse(pA, torch.ones_like(pA)) + mse(pB, torch.ones_like(pB)) + 10 * l1(rA, A) + 10 * l1(rB, B)
              + 5 * l1(GA(B), B) + 5 * l1(GB(A), A))
        lG.backward()
        oG.step()
        set_grad([DA, DB], True)
        oD.zero_grad()
        for D, real, fake in ((DA, B, poolB.query(fB)), (DB, A, poolA.query(fA))):
            pr, pf = D(real), D(fake.detach())
            (0.5 * (mse(pr, torch.ones_like(pr)) + mse(pf, torch.zeros_like(pf)))).backward()
        oD.step()

    return step


def time_step(step, seconds):
    for _ in range(2):
        step()
    times = []
    start = time.perf_counter()
    while time.perf_counter() - start < seconds or len(times) < 3:
        t = time.perf_counter()
        step()
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pigment", default=os.path.join(HERE, "..", "build", "bin", "pigment_bench_cpu_steps"))
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.manual_seed(0)
    random.seed(0)
    torch.set_num_threads(a.threads)
    torch_ms = {"colorization_unet128_ngf32_128px": time_step(colorization_step(128), a.seconds),
                "cycle_gan_resnet6_ngf32_128px": time_step(cycle_gan_step(128), a.seconds)}
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads))
    out = subprocess.run([a.pigment, "--benchmark_format=json", f"--benchmark_min_time={a.seconds}"], env=env,
                         capture_output=True, text=True, check=True).stdout
    pigment = {}
    for b in json.loads(out)["benchmarks"]:
        name = b["name"].split("/")[1]
        pigment[name] = {"ms": b["real_time"], "gflop_per_step": b["GFLOP_per_step"], "gflops": b["FLOP/s"] / 1e9}
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    print(f"CPU training steps, batch 1, {a.threads} threads, {cpu}; torch {torch.__version__}; Pigment {commit}")
    print(f"| step | GFLOP | PyTorch ms | Pigment ms | Pigment GFLOP/s | Pigment / PyTorch time |")
    print(f"|---|---|---|---|---|---|")
    rows = []
    for name, t in torch_ms.items():
        p = pigment[name]
        print(f"| {name} | {p['gflop_per_step']:.2f} | {t:.1f} | {p['ms']:.1f} | {p['gflops']:.1f} | {p['ms'] / t:.2f} |")
        rows.append({"step": name, "gflop": p["gflop_per_step"], "torch_ms": t, "pigment_ms": p["ms"],
                     "pigment_gflops": p["gflops"], "ratio": p["ms"] / t})
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"date": datetime.date.today().isoformat(), "cpu": cpu, "threads": a.threads,
                       "torch": torch.__version__, "commit": commit, "results": rows}, f, indent=1)


if __name__ == "__main__":
    main()
