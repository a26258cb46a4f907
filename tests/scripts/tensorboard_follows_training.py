#!/usr/bin/env python3
"""gan-train writes TensorBoard event files that TensorBoard's own reader reads back: every loss of
loss_log.txt and the learning rate at each printed step, the visuals as images, and after an
interrupted run and its --continue_train no step twice.

    tests/scripts/tensorboard_follows_training.py GAN_TRAIN WORK_DIR

Exit 77 (skipped) when the tensorboard package is not installed (tools/install-deps.sh)."""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main():
    gan_train, work = sys.argv[1], sys.argv[2]
    try:
        from read_tensorboard import read_tensorboard
    except ImportError:
        sys.exit(77)
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        print("tensorboard is not installed (tools/install-deps.sh): skipping", file=sys.stderr)
        sys.exit(77)
    shutil.rmtree(work, ignore_errors=True)
    args = [gan_train, "--checkpoints_dir", work, "--name", "tb", "--netG", "unet_5d", "--ngf", "4", "--ndf", "4",
            "--netD", "n_layers", "--n_layers_D", "2", "--load_size", "36", "--crop_size", "32", "--batch_size", "2",
            "--synthetic_train", "16", "--n_epochs", "1", "--n_epochs_decay", "1", "--print_freq", "4",
            "--display_freq", "8", "--no_progress"]
    first = subprocess.run(args + ["--stop_after", "12"], capture_output=True, text=True)
    assert first.returncode == 130, first.stdout + first.stderr
    # The resume writes a second event file whose START event (step 13) drops nothing the first
    # run logged up to its checkpoint (step 12): every step stays, once.
    second = subprocess.run(args + ["--continue_train"], capture_output=True, text=True)
    assert second.returncode == 0, second.stdout + second.stderr
    run_dir = os.path.join(work, "tb")
    assert len([f for f in os.listdir(run_dir) if f.startswith("events.out.tfevents.")]) == 2

    # loss_log.txt: (epoch: E, iters: I, …) NAME: value …; the step is the images trained so far.
    expected = {}
    epoch_size = 16
    for line in open(os.path.join(run_dir, "loss_log.txt")):
        m = re.match(r"\(epoch: (\d+), iters: (\d+),[^)]*\) (.*)", line)
        if not m:
            continue
        step = (int(m[1]) - 1) * epoch_size + int(m[2])
        for name, value in re.findall(r"(\w+): ([-\d.naninf]+)", m[3]):
            expected.setdefault("loss/" + name, []).append((step, float(value)))
    board = read_tensorboard(run_dir)
    steps = list(range(4, 33, 4))
    for tag, points in expected.items():
        got = board["scalars"].get(tag)
        assert got is not None, f"{tag} missing; TensorBoard has {sorted(board['scalars'])}"
        assert [s for s, _ in got] == steps, f"{tag}: steps {[s for s, _ in got]}, expected {steps} once each"
        for (step, want), (_, value) in zip(points, got):
            assert abs(value - want) <= 0.0005 + 1e-6 * abs(want), f"{tag} at {step}: {value} vs loss_log's {want}"
    assert set(expected) >= {"loss/G_GAN", "loss/G_L1", "loss/D_real", "loss/D_fake"}, sorted(expected)
    lr = board["scalars"]["learning_rate"]
    # The reference's linear policy steps at each epoch's start: epoch 1 of 1 + 1 runs at
    # 0.0005 · (1 − 1/2), epoch 2 at 0 (float32 in the file).
    assert [s for s, _ in lr] == steps and abs(lr[0][1] - 0.00025) < 1e-9, lr
    assert lr[-1][1] < lr[0][1], "the learning rate decays in the second epoch"
    images = board["images"]
    for tag in ("visuals/real_A", "visuals/fake_B_rgb", "visuals/real_B_rgb"):  # the colorizer's visuals
        assert tag in images, f"{tag} missing; images: {sorted(images)}"
        assert all(w == 32 and h == 32 for _, w, h in images[tag]), images[tag]
        found = [s for s, _, _ in images[tag]]
        assert found == sorted(set(found)), f"{tag}: a step twice: {found}"
    print("TensorBoard follows training: ok —", len(expected), "losses and the learning rate at steps", steps)


if __name__ == "__main__":
    main()
