#!/usr/bin/env python3
"""The CPU backend on a shared machine (issue 12): the training steps of bench/cpu_steps.cpp alone
and beside busy competing processes (`yes > /dev/null`, one per competitor), for three threading
choices, in one run, interleaved.

    python3 bench/compare_cpu_contention.py [--pigment build/bin/pigment_bench_cpu_steps]
                                            [--competitors 1] [--repeats 2]
                                            [--json bench/results/cpu_contention_<date>.json]

The choices (all with OMP_NUM_THREADS = the cores, the ceiling):
- fixed:   PIGMENT_CPU_THREADS=fixed, every op on all threads, libgomp's default waits (they spin
           a while before sleeping): the behaviour before issue 12;
- passive: the same with OMP_WAIT_POLICY=passive (waiting threads sleep at once);
- follow:  the default since issue 12: the thread count follows the cores free to the process
           (engine/free_cores.h), re-estimated every 200 ms.
The goal: beside the competitors a step slows by no more than the share of the CPU the process
loses, cores / (cores − competitors) (2× for one competitor on 2 cores); and alone it is not
slower than `fixed`. Each figure is the median of --repeats runs of Google Benchmark's real time."""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
STEPS = ["colorization_unet128_ngf32_128px", "cycle_gan_resnet6_ngf32_128px"]
CHOICES = {"fixed": {"PIGMENT_CPU_THREADS": "fixed"},
           "passive": {"PIGMENT_CPU_THREADS": "fixed", "OMP_WAIT_POLICY": "passive"},
           "follow": {}}


def step_ms(pigment, step, env):
    out = subprocess.run([pigment, f"--benchmark_filter=/{step}", "--benchmark_format=json"], env=env,
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"{pigment} failed:\n{out.stderr}")
    return json.loads(out.stdout)["benchmarks"][0]["real_time"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pigment", default=os.path.join(ROOT, "build", "bin", "pigment_bench_cpu_steps"))
    parser.add_argument("--competitors", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--json")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    if args.competitors >= cores:
        sys.exit(f"--competitors must be below the {cores} cores this process may use")
    bound = cores / (cores - args.competitors)
    base = dict(os.environ, OMP_NUM_THREADS=str(cores))
    base.pop("OMP_WAIT_POLICY", None)
    base.pop("PIGMENT_CPU_THREADS", None)
    times = {(s, c, busy): [] for s in STEPS for c in CHOICES for busy in (False, True)}
    for _ in range(args.repeats):
        for step in STEPS:
            for choice, extra in CHOICES.items():
                for busy in (False, True):
                    competitors = [subprocess.Popen(["yes"], stdout=subprocess.DEVNULL)
                                   for _ in range(args.competitors if busy else 0)]
                    try:
                        times[(step, choice, busy)].append(step_ms(args.pigment, step, dict(base, **extra)))
                    finally:
                        for p in competitors:
                            p.kill()
                            p.wait()
                    print(f"  {step} {choice:>7} {'busy' if busy else 'alone'}: "
                          f"{times[(step, choice, busy)][-1]:.1f} ms", flush=True)
    rows = []
    print(f"\n{cores} cores, {args.competitors} competitor(s): allowed slowdown {bound:.2f}×")
    print("| step | choice | alone ms | beside competitors ms | slowdown | vs fixed alone |")
    print("|---|---|---|---|---|---|")
    for step in STEPS:
        fixed_alone = statistics.median(times[(step, "fixed", False)])
        for choice in CHOICES:
            alone = statistics.median(times[(step, choice, False)])
            busy = statistics.median(times[(step, choice, True)])
            row = {"step": step, "choice": choice, "alone_ms": round(alone, 1), "busy_ms": round(busy, 1),
                   "slowdown": round(busy / alone, 2), "busy_vs_fixed_alone": round(busy / fixed_alone, 2),
                   "alone_vs_fixed_alone": round(alone / fixed_alone, 2),
                   "runs_alone_ms": times[(step, choice, False)], "runs_busy_ms": times[(step, choice, True)]}
            rows.append(row)
            print(f"| {step} | {choice} | {alone:.1f} | {busy:.1f} | {row['slowdown']:.2f}× | "
                  f"{row['busy_vs_fixed_alone']:.2f}× |")
    if args.json:
        commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        with open(args.json, "w") as f:
            json.dump({"date": datetime.date.today().isoformat(), "cores": cores, "competitors": args.competitors,
                       "allowed_slowdown": bound, "repeats": args.repeats, "commit": commit,
                       "competitor": "yes > /dev/null", "rows": rows}, f, indent=1)
        print("wrote", args.json)


if __name__ == "__main__":
    main()
