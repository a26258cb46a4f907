#!/usr/bin/env python3
"""Prints the Pigment / PyTorch step-time table from a bench/run_gpu_benchmarks.sh output folder."""
import glob
import json
import os
import sys


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "pigment_steps.json")) as f:
        pigment = json.load(f)
    steps = {}
    for b in pigment["benchmarks"]:
        _, model, impl = b["name"].split("/")[:3]
        steps.setdefault(model, {})[impl] = b
    torch = {}
    for path in glob.glob(os.path.join(out, "torch_*.json")):
        for r in json.load(open(path)):
            torch.setdefault(r["model"], {})[r["mode"]] = r
    ctx = pigment.get("context", {})
    if any("verify_error" in b for b in pigment["benchmarks"]):  # a verification run (SIMT, --verify)
        print("Pigment's steps verified, not timed (error of the first step's losses against the CPU):")
        for b in pigment["benchmarks"]:
            print(f"  {b['name']}: {b.get('verify_error', float('nan')):.2e} (tolerance {b.get('verify_tolerance', 0):.0e})"
                  f"{'  ' + b['error_message'] if b.get('error_occurred') else ''}")
        for model, modes in torch.items():
            for mode, r in sorted(modes.items()):
                print(f"  PyTorch peer {model} {mode} on {r['device']}: {r['ms_per_step']:.1f} ms/step")
        return 1 if any(b.get("error_occurred") for b in pigment["benchmarks"]) else 0
    print(f"GPU steps, batch 1, 256²: {ctx.get('date', '')} {ctx.get('host_name', '')}")
    print("| model | Pigment (best impl) ms | peak MiB | ops/step | PyTorch mode | PyTorch ms | peak MiB | speed-up |")
    print("|---|---|---|---|---|---|---|---|")
    for model, impls in steps.items():
        best_impl, best = min(impls.items(), key=lambda kv: kv[1]["median_ms"])
        for mode, r in sorted(torch.get(model, {}).items()):
            print(f"| {model} | {best['median_ms']:.2f} ({best_impl}) | {best['peak_MiB']:.0f} | {best['ops_per_step']:.0f} "
                  f"| {mode} | {r['ms_per_step']:.2f} | {r['peak_mib'] or 0:.0f} | {r['ms_per_step'] / best['median_ms']:.2f}× |")


if __name__ == "__main__":
    sys.exit(main())
