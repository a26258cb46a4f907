#!/usr/bin/env python3
"""Tiled translation against the whole image (issue 12): `gan-test --tile N` on a large image, its
peak memory and time, and how far its output is from the untiled one, overall and in the seam
bands, for a network with instance norm (whose statistics become per tile) and one with batch norm
in eval mode (whose result is exact where the overlap covers the receptive field).

    python3 bench/compare_tiling.py [--gan-test build/bin/gan-test] [--size 1024]
                                    [--tiles 512:128 256:64] [--json bench/results/tiling_<date>.json]

The networks are random-init resnet_9blocks (ngf 64) made in PyTorch (tests/python/reference_nets.py)
and converted with tools/convert_reference_checkpoint.py, as bench/compare_inference_memory.py does;
the image is a smooth synthetic scene (colour gradients and shapes, not noise). Each gan-test is a
process of its own: peak RSS from wait4, wall time. Differences are in 8-bit levels (0–255) of the
PNGs gan-test writes."""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
sys.path.insert(0, HERE)
from process_peak import run_measured  # noqa: E402

MAKE_WEIGHTS = """
import sys, torch
sys.path.insert(0, sys.argv[1])
from reference_nets import ResnetGenerator
torch.manual_seed(0)
G = ResnetGenerator(3, 3, 64, sys.argv[2], False, 9)
if sys.argv[2] == "batch":  # running statistics of a trained net's order of magnitude, not the init's 0 and 1
    for m in G.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2); m.running_var.uniform_(0.5, 2.0)
torch.save(G.state_dict(), sys.argv[3])
"""


def scene(size, path):
    y, x = np.mgrid[0:size, 0:size] / size
    rgb = np.stack([0.5 + 0.4 * np.sin(6 * x + 2 * y), 0.5 + 0.4 * np.cos(5 * y - 3 * x), 0.3 + 0.6 * x * y], -1)
    for cx, cy, r, c in ((0.3, 0.3, 0.12, (0.9, 0.2, 0.1)), (0.7, 0.6, 0.2, (0.1, 0.3, 0.8)), (0.45, 0.8, 0.08, (1, 1, 0.2))):
        rgb[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = c
    Image.fromarray((np.clip(rgb, 0, 1) * 255).astype(np.uint8)).save(path)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gan-test", default=os.path.join(ROOT, "build", "bin", "gan-test"))
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--tiles", nargs="+", default=["512:128", "256:64", "512:192:exact", "512:128:tile", "256:64:tile"],
                        help="TILE:OVERLAP[:HOW], HOW the --tile_statistics: preview (default), exact or tile")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json")
    args = parser.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    rows = []
    with tempfile.TemporaryDirectory() as work:
        image = os.path.join(work, "scene.png")
        scene(args.size, image)
        for norm in ("instance", "batch"):
            pth = os.path.join(work, f"{norm}.pth")
            subprocess.run([sys.executable, "-c", MAKE_WEIGHTS, os.path.join(ROOT, "tests", "python"), norm, pth], check=True)
            ckpt = os.path.join(work, "checkpoints", norm)
            os.makedirs(ckpt, exist_ok=True)
            subprocess.run([sys.executable, os.path.join(ROOT, "tools", "convert_reference_checkpoint.py"), pth,
                            os.path.join(ckpt, "latest_net_G.safetensors")], check=True, stdout=subprocess.DEVNULL)

            def gan_test(extra, label):
                results = os.path.join(work, "results", label)
                rss, seconds, out = run_measured([args.gan_test, "--model", "test", "--netG", "resnet_9blocks", "--norm", norm,
                                         "--no_dropout", "--checkpoints_dir", os.path.join(work, "checkpoints"),
                                         "--name", norm, "--dataroot", image, "--results_dir", results,
                                         "--device", "cpu"] + extra, env)
                png = os.path.join(results, norm, "test_latest", "images", "scene_fake_B.png")
                return np.asarray(Image.open(png), dtype=np.float64), rss, seconds

            whole, whole_rss, whole_s = gan_test(["--no_tile"], f"{norm}_whole")
            rows.append({"norm": norm, "tile": 0, "overlap": 0, "peak_rss_bytes": whole_rss, "seconds": round(whole_s, 2)})
            print(f"{norm:>8} whole {args.size}²: {whole_rss / 1e6:7.0f} MB {whole_s:6.1f} s", flush=True)
            for spec in args.tiles:
                fields = spec.split(":")
                tile, overlap, how = int(fields[0]), int(fields[1]), (fields[2] if len(fields) > 2 else "preview")
                if how != "preview" and norm != "instance":
                    continue
                tiled, rss, seconds = gan_test(["--tile", str(tile), "--tile_overlap", str(overlap),
                                                "--tile_statistics", how], f"{norm}_{spec}")
                diff = np.abs(tiled - whole).max(-1)
                # Seam bands: within the overlap's width of a tile boundary (tiles start on the
                # multiple 4, spread as inference::tile_starts spreads them; approximated here by
                # the band around every multiple of the mean step).
                n = 1 + -(-(args.size - tile) // (tile - overlap))
                starts = [i * (args.size - tile) // (n - 1) // 4 * 4 for i in range(n)] if n > 1 else [0]
                band = np.zeros(args.size, bool)
                for s in starts[1:]:
                    band[max(0, s - 1): min(args.size, s + overlap + (tile - overlap) // 8)] = True
                seam = band[None, :] | band[:, None]
                mse = ((tiled - whole) ** 2).mean()
                row = {"norm": norm, "tile": tile, "overlap": overlap,
                       "statistics": how if norm == "instance" else None,
                       "peak_rss_bytes": rss, "seconds": round(seconds, 2),
                       "psnr_vs_whole_db": round(10 * np.log10(255 ** 2 / mse), 2) if mse > 0 else None,
                       "mean_abs_levels": round(float(diff.mean()), 3),
                       "max_abs_levels_seams": float(diff[seam].max()) if seam.any() else 0.0,
                       "max_abs_levels_elsewhere": float(diff[~seam].max()),
                       "mean_abs_levels_seams": round(float(diff[seam].mean()), 3) if seam.any() else 0.0,
                       "mean_abs_levels_elsewhere": round(float(diff[~seam].mean()), 3)}
                rows.append(row)
                print(f"{norm:>8} tiles {tile}² overlap {overlap}{' ' + how if norm == 'instance' else ''}: {rss / 1e6:7.0f} MB {seconds:6.1f} s; vs whole: "
                      f"PSNR {row['psnr_vs_whole_db']} dB, mean |Δ| {row['mean_abs_levels']} levels "
                      f"(seams {row['mean_abs_levels_seams']}, max {row['max_abs_levels_seams']:.0f}; elsewhere "
                      f"{row['mean_abs_levels_elsewhere']}, max {row['max_abs_levels_elsewhere']:.0f})", flush=True)
    if args.json:
        commit = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True).stdout.strip()
        with open(args.json, "w") as f:
            json.dump({"date": datetime.date.today().isoformat(), "size": args.size, "threads": args.threads,
                       "commit": commit, "network": "resnet_9blocks ngf 64, random init (seed 0)", "rows": rows}, f, indent=1)
        print("wrote", args.json)


if __name__ == "__main__":
    main()
