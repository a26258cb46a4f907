#!/usr/bin/env python3
"""The memory colorizer against the plain colorizer and the gray baseline (issue 13), on little
data and the same CPU budget: retrieval (is the nearest slot's value the image's own colours?),
colorization with the retrieved colours, with the image's own (the upper bound) and a random
slot's (the lower bound), the plain colorizer, and the gray (ab = 0) baseline — PSNR, SSIM,
colorfulness on held-out images.

    python3 bench/compare_memory_colorizer.py [--bin build/bin] [--sets scenes photos]
                                              [--json bench/results/memory_colorizer_<date>.json]

Sets:
  scenes  the built-in scenes in 8 palette families (--synthetic_palettes 8: the family shows in
          gray, its hues are its own), 32 training scenes (4 per family), 32 held-out ones;
  photos  the 12 nature photos of Debian's mate-backgrounds (fetched with apt-get download and
          unpacked here, nothing installed): each photo scaled to 384 px wide, 24 random 64×64
          crops from its left 70% for training (288 crops), 4 from its right 30% for testing (48) —
          held-out parts of the photos the model has seen the like of, the few-shot setting.
Both models train the built-in colorizer's network (sa_unet_6d, ngf 32, 64² crops, batch 4) for the
same number of images (--images, default 5120), one process at a time, 2 threads."""
import argparse
import datetime
import glob
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")

NET = ["--netG", "sa_unet_6d", "--ngf", "32", "--ndf", "32", "--load_size", "64", "--crop_size", "64",
       "--batch_size", "4", "--lr", "0.0005", "--no_progress", "--no_tensorboard", "--print_freq", "100000",
       "--save_latest_freq", "100000", "--save_epoch_freq", "100000", "--display_freq", "100000"]


def run(cmd, log):
    start = time.time()
    with open(log, "w") as f:
        subprocess.run(cmd, check=True, stdout=f, stderr=subprocess.STDOUT, env={**os.environ, "OMP_NUM_THREADS": "2"})
    return time.time() - start


def mate_photos(work):
    """The nature photos of Debian's mate-backgrounds, unpacked under work."""
    folder = os.path.join(work, "mate")
    if not glob.glob(os.path.join(folder, "usr/share/backgrounds/mate/nature/*.jpg")):
        os.makedirs(folder, exist_ok=True)
        subprocess.run(["apt-get", "download", "mate-backgrounds"], check=True, cwd=work, stdout=subprocess.DEVNULL)
        deb = sorted(glob.glob(os.path.join(work, "mate-backgrounds_*.deb")))[-1]
        subprocess.run(["dpkg-deb", "-x", deb, folder], check=True)
    return sorted(glob.glob(os.path.join(folder, "usr/share/backgrounds/mate/nature/*.jpg")))


def photo_crops(photos, root, seed=2026):
    rng = random.Random(seed)
    for phase in ("train", "test"):
        os.makedirs(os.path.join(root, phase), exist_ok=True)
    for p in photos:
        im = Image.open(p).convert("RGB")
        im = im.resize((384, max(64, round(im.height * 384 / im.width))), Image.BICUBIC)
        split = int(0.7 * im.width)
        name = os.path.splitext(os.path.basename(p))[0]
        for phase, (x0, x1), count in (("train", (0, split), 24), ("test", (split, im.width), 4)):
            for i in range(count):
                x = rng.randint(x0, x1 - 64)
                y = rng.randint(0, im.height - 64)
                im.crop((x, y, x + 64, y + 64)).save(os.path.join(root, phase, f"{name}_{i:02d}.png"))
    return len(os.listdir(os.path.join(root, "train"))), len(os.listdir(os.path.join(root, "test")))


def evaluate(bin_dir, work, name, data_args, extra=()):
    out = os.path.join(work, "results", name + "".join(extra).replace("-", "_"))
    run([os.path.join(bin_dir, "gan-test"), "--name", name, "--checkpoints_dir", os.path.join(work, "checkpoints"),
         "--results_dir", out, "--num_test", "1000", *data_args, *extra], os.path.join(work, name + "_test.log"))
    with open(os.path.join(out, name, "test_latest", "metrics.json")) as f:
        m = json.load(f)
    return {k: m[k] for k in ("mean", "retrieval") if k in m}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default=os.path.join(ROOT, "build", "bin"))
    parser.add_argument("--sets", nargs="+", default=["scenes", "photos"])
    parser.add_argument("--images", type=int, default=5120, help="images each model trains on (the CPU budget)")
    parser.add_argument("--work", help="keep the work here (default: a temporary folder)")
    parser.add_argument("--json")
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="pigment_memory_")
    os.makedirs(work, exist_ok=True)
    results = {"date": datetime.date.today().isoformat(), "threads": 2, "images_trained": args.images, "sets": {}}
    for s in args.sets:
        if s == "scenes":
            train_n = 32
            train_args = ["--synthetic_palettes", "8", "--synthetic_train", str(train_n)]
            test_args = ["--synthetic_test", "32"]
            about = "built-in scenes in 8 palette families: 32 training scenes (4 per family), 32 held out"
        else:
            photos = mate_photos(work)
            root = os.path.join(work, "photos")
            shutil.rmtree(root, ignore_errors=True)
            train_n, test_n = photo_crops(photos, root)
            train_args = ["--dataroot", root]
            test_args = ["--dataroot", os.path.join(root, "test")]
            about = (f"{len(photos)} nature photos of Debian's mate-backgrounds: {train_n} 64×64 training crops from "
                     f"their left 70%, {test_n} test crops from their right 30%")
        epochs = max(1, round(args.images / train_n))
        schedule = ["--n_epochs", str((epochs + 1) // 2), "--n_epochs_decay", str(epochs // 2)]
        entry = {"about": about, "epochs": epochs}
        for model in ("colorization", "memory_colorization"):
            name = f"{s}_{model}"
            seconds = run([os.path.join(args.bin, "gan-train"), "--model", model, "--name", name, "--checkpoints_dir",
                           os.path.join(work, "checkpoints"), "--overwrite", *NET, *train_args, *schedule],
                          os.path.join(work, name + "_train.log"))
            entry[model] = {"train_seconds": round(seconds, 1), **evaluate(args.bin, work, name, test_args)}
            if model == "memory_colorization":
                for source in ("truth", "random"):
                    entry[model]["colours_" + source] = evaluate(args.bin, work, name, test_args,
                                                                ("--colour_source", source))["mean"]
            print(f"{s} {model}: {json.dumps(entry[model])}", flush=True)
        results["sets"][s] = entry
    text = json.dumps(results, indent=1)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
