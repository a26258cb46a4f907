#!/usr/bin/env python3
"""Pigment's TensorBoard event files, read by TensorBoard itself. Runs pigment-tensorboard-demo
(tests/tensorboard_writer_demo.cpp), which writes a run and then a resume from step 7 into a
second file, and checks what TensorBoard's reader makes of them:
  - loss_a has steps 0..12, each once; 0..6 from the first file, 7..12 from the second: the
    resume's SessionLog START at step 7 purged the first file's steps >= 7;
  - loss_b (first file only, steps 0..9) keeps 0..6: the purge drops every tag's steps >= 7, not
    only the tags the resumed run writes again;
  - the image at step 5 (before the purge point) is there, 6 wide and 4 high, a PNG.

    tests/scripts/check_tensorboard.py DEMO_EXE WORK_DIR

Exit 0 when all hold, 1 otherwise, 77 when the tensorboard package is not installed (CTest: skipped)."""
import math
import os
import shutil
import subprocess
import sys

try:
    import tensorboard  # noqa: F401
except ImportError:
    print("tensorboard is not installed (tools/install-deps.sh installs it from PyPI): skipping")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from read_tensorboard import read_tensorboard  # noqa: E402

failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-6)  # simple_value is a float32


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    demo, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)  # stale files of an earlier run would be read too
    subprocess.run([demo, work], check=True)

    files = sorted(f for f in os.listdir(work) if f.startswith("events.out.tfevents."))
    check(len(files) == 2, f"two event files, in creation order: {files}")

    got = read_tensorboard(work)
    loss_a = got["scalars"].get("loss_a", [])
    steps_a = [s for s, _ in loss_a]
    check(steps_a == list(range(13)), f"loss_a has steps 0..12, each once: {steps_a}")
    check(all(close(v, 0.5 * s if s < 7 else 100 + s) for s, v in loss_a),
          f"loss_a: steps 0..6 from the first file, 7..12 from the resume: {loss_a}")

    loss_b = got["scalars"].get("loss_b", [])
    check([s for s, _ in loss_b] == list(range(7)), f"loss_b keeps steps 0..6 (7..9 purged): {loss_b}")
    check(all(close(v, 1 / (s + 1)) for s, v in loss_b), "loss_b values are 1 / (step + 1)")

    check(got["images"] == {"sample": [[5, 6, 4]]}, f"image 'sample' at step 5, width 6, height 4: {got['images']}")

    # The image itself, through the same reader: a PNG that decodes to the demo's ramp.
    from tensorboard.backend.event_processing import event_accumulator as ea
    acc = ea.EventAccumulator(work, size_guidance={ea.IMAGES: 0})
    acc.Reload()
    png = acc.Images("sample")[0].encoded_image_string
    check(png.startswith(b"\x89PNG\r\n\x1a\n"), "the image is PNG-encoded")
    try:
        import io
        from PIL import Image
    except ImportError:
        print("(PIL not installed: the PNG's pixels are not checked)")
    else:
        img = Image.open(io.BytesIO(png))
        check(img.size == (6, 4) and img.mode == "RGB", f"the PNG decodes to 6x4 RGB: {img.size} {img.mode}")
        check(img.getpixel((0, 0)) == (255, 0, 0) and img.getpixel((5, 3)) == (55, 200, 180),
              f"the PNG's pixels are the demo's: {img.getpixel((0, 0))} {img.getpixel((5, 3))}")

    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("TensorBoard reads Pigment's event files as written")


if __name__ == "__main__":
    main()
