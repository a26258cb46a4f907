#!/usr/bin/env python3
"""Peak memory of the CPU training steps of bench/cpu_steps.cpp against the same steps in PyTorch,
in one run on this machine (issue 12; goal: Pigment's peak ≤ PyTorch's).

    python3 bench/compare_training_memory.py [--pigment build/bin/pigment_bench_cpu_steps]
                                             [--threads 2] [--steps 6]
                                             [--json bench/results/training_memory_<date>.json]

Each step runs in a process of its own, measured from outside: peak resident memory (wait4's
ru_maxrss: every allocation of the process, the libraries too). Two figures per side:
- the whole process;
- the same less an idle process of the same program (Pigment: the benchmark binary listing its
  benchmarks; PyTorch: Python having imported torch and the networks): what the step itself costs,
  the fair comparison, since importing torch alone is ~220 MB.
Pigment's benchmark also reports its tensors' peak (the allocator's bytes in use). The steps, their
networks and update order are compare_cpu_torch.py's (batch 1, 128²)."""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, HERE)
from process_peak import run_measured  # noqa: E402

STEPS = {"colorization_unet128_ngf32_128px": "colorization_step",
         "cycle_gan_resnet6_ngf32_128px": "cycle_gan_step"}

TORCH_STEP = """
import sys, torch
sys.path.insert(0, sys.argv[1])
import compare_cpu_torch as c
torch.set_num_threads(int(sys.argv[3]))
torch.manual_seed(0)
if sys.argv[2] != "idle":
    step = getattr(c, sys.argv[2])(128)
    for _ in range(int(sys.argv[4])):
        step()
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pigment", default=os.path.join(ROOT, "build", "bin", "pigment_bench_cpu_steps"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=6, help="PyTorch steps per process (the peak is reached by the 2nd)")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    python = sys.executable
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    pig_idle, _, _ = run_measured([args.pigment, "--benchmark_list_tests"], env, merge_stderr=False)
    torch_idle, _, _ = run_measured([python, "-c", TORCH_STEP, HERE, "idle", str(args.threads), "0"], env,
                                    merge_stderr=False)
    rows = []
    for name, torch_step in STEPS.items():
        pig_rss, pig_s, out = run_measured([args.pigment, f"--benchmark_filter=/{name}", "--benchmark_format=json",
                                            "--benchmark_min_time=1"], env, merge_stderr=False)
        counters = json.loads(out)["benchmarks"][0]
        torch_rss, torch_s, _ = run_measured([python, "-c", TORCH_STEP, HERE, torch_step, str(args.threads),
                                              str(args.steps)], env, merge_stderr=False)
        row = {"step": name,
               "pigment_peak_rss_bytes": pig_rss, "torch_peak_rss_bytes": torch_rss,
               "pigment_idle_rss_bytes": pig_idle, "torch_idle_rss_bytes": torch_idle,
               "pigment_above_idle_bytes": pig_rss - pig_idle, "torch_above_idle_bytes": torch_rss - torch_idle,
               "pigment_tensors_peak_bytes": round(counters.get("tensors_peak_MB", 0) * 1e6),  # 0: an older binary
               "pigment_step_ms": round(counters["real_time"], 1),
               "ratio_process": round(pig_rss / torch_rss, 3),
               "ratio_above_idle": round((pig_rss - pig_idle) / (torch_rss - torch_idle), 3)}
        rows.append(row)
        mb = lambda b: f"{b / 1e6:6.0f} MB"  # noqa: E731
        print(f"{name}: process Pigment {mb(pig_rss)} PyTorch {mb(torch_rss)} ({row['ratio_process']:.2f}×); "
              f"above idle Pigment {mb(pig_rss - pig_idle)} PyTorch {mb(torch_rss - torch_idle)} "
              f"({row['ratio_above_idle']:.2f}×); Pigment's tensors at peak {mb(row['pigment_tensors_peak_bytes'])}",
              flush=True)
    commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    result = {"date": datetime.date.today().isoformat(), "machine": platform.node(), "threads": args.threads,
              "commit": commit,
              "torch": subprocess.run([python, "-c", "import torch; print(torch.__version__)"], capture_output=True,
                                      text=True).stdout.strip(),
              "note": "peak RSS of each process (wait4 ru_maxrss); idle = the same program without a step "
                      "(Pigment: --benchmark_list_tests; PyTorch: torch and the networks imported)",
              "rows": rows}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
        print("wrote", args.json)


if __name__ == "__main__":
    main()
