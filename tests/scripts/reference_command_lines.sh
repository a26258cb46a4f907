#!/usr/bin/env bash
# The reference README's and scripts/'s command lines (junyanz/pytorch-CycleGAN-and-pix2pix), run as
# written with `python train.py` → gan-train and `python test.py` → gan-test, on tiny datasets
# made here. Each training command gets `--n_epochs 1 --n_epochs_decay 0` appended — the last of a
# repeated option wins, as with argparse — so that it trains two images once instead of 200 epochs.
# Usage: reference_command_lines.sh GAN_TRAIN GAN_TEST MAKE_SYNTHETIC_DATASET WORK_DIR
set -u
gan_train=$1 gan_test=$2 make_dataset=$3 work=$4
rm -rf "$work" && mkdir -p "$work/datasets" && cd "$work" || exit 1
short=(--n_epochs 1 --n_epochs_decay 0 --no_progress)
fail() { echo "FAILED: $*"; exit 1; }
run() {  # run COMMAND…: must exit 0; its output goes to the log of the step
  local t0=$SECONDS
  echo "+ $*" | sed "s|$gan_train|python train.py|; s|$gan_test|python test.py|"
  "$@" > step.log 2>&1
  local status=$?
  [ "$status" -eq 0 ] || { cat step.log; fail "exit $status from: $*"; }
  echo "  ($((SECONDS - t0)) s)"
}

# Tiny datasets: one 256×256 training scene per domain and two test scenes (the reference's nets
# need 256 for unet_256; their checkpoints, written once per training, cost more than the step).
"$make_dataset" --output datasets/colorization --layout colorization --train 1 --test 2 --size 256 > /dev/null
"$make_dataset" --output datasets/facades --layout aligned --train 1 --test 2 --size 256 > /dev/null
"$make_dataset" --output tmp_A --train 1 --test 2 --size 256 --seed 1 > /dev/null
"$make_dataset" --output tmp_B --train 1 --test 2 --size 256 --seed 2 > /dev/null
mkdir -p datasets/maps && mv tmp_A/train datasets/maps/trainA && mv tmp_A/test datasets/maps/testA &&
  mv tmp_B/train datasets/maps/trainB && mv tmp_B/test datasets/maps/testB || fail "making datasets/maps"

# README, CycleGAN: train, then test.
run "$gan_train" --dataroot ./datasets/maps --name maps_cyclegan --model cycle_gan "${short[@]}"
[ -f checkpoints/maps_cyclegan/latest_net_G_A.safetensors ] || fail "no latest_net_G_A after CycleGAN training"
run "$gan_test" --dataroot ./datasets/maps --name maps_cyclegan --model cycle_gan
grep -q "2 images with G_A" step.log || { cat step.log; fail "CycleGAN test did not translate testA's 2 images with G_A"; }
[ -f results/maps_cyclegan/test_latest/index.html ] || fail "no CycleGAN results page"
# scripts/test_cyclegan.sh
run "$gan_test" --dataroot ./datasets/maps --name maps_cyclegan --model cycle_gan --phase test --no_dropout

# scripts/train_pix2pix.sh (the README's pix2pix line with the defaults spelled out), with the
# reference's visdom switches; then the README's test line, labels ← photos.
run "$gan_train" --dataroot ./datasets/facades --name facades_pix2pix --model pix2pix --netG unet_256 --direction BtoA \
  --lambda_L1 100 --dataset_mode aligned --norm batch --pool_size 0 --display_id 0 --gpu_ids -1 "${short[@]}"
grep -q "ignored --display_id (visdom)" step.log || { cat step.log; fail "--display_id not reported as ignored"; }
[ "$(grep -c "ignored --" step.log)" -eq 1 ] || fail "the ignored options are reported more than once"
run "$gan_test" --dataroot ./datasets/facades --name facades_pix2pix --model pix2pix --direction BtoA
grep -q "mean PSNR" step.log || { cat step.log; fail "pix2pix test has no ground truth: the pairs were not split"; }
# pix2pix given ordinary photos (no A|B pairs): translated whole, and said so; a reused results
# folder keeps no image of an earlier run.
cp results/facades_pix2pix/test_latest/images/000000_fake_B.png results/facades_pix2pix/test_latest/images/old_fake_B.png
run "$gan_test" --dataroot ./datasets/colorization/test --name facades_pix2pix --model pix2pix --direction BtoA
grep -q "000000.png (256×256) is not an A|B pair" step.log || { cat step.log; fail "a photo was split as an A|B pair"; }
grep -q "removed [0-9]* result image(s) of an earlier run" step.log || { cat step.log; fail "stale result image kept"; }
[ ! -e results/facades_pix2pix/test_latest/images/old_fake_B.png ] || fail "stale result image still there"
# scripts/test_pix2pix.sh.
run "$gan_test" --dataroot ./datasets/facades --name facades_pix2pix --model pix2pix --netG unet_256 --direction BtoA \
  --dataset_mode aligned --norm batch
# scripts/test_single.sh: one generator on a folder of single images.
run "$gan_test" --dataroot ./datasets/facades/test/ --name facades_pix2pix --model test --netG unet_256 --direction BtoA \
  --dataset_mode single --norm batch

# README: a pretrained CycleGAN generator as a single model (latest_net_G_A copied to latest_net_G).
mkdir -p checkpoints/horse2zebra_pretrained &&
  cp checkpoints/maps_cyclegan/latest_net_G_A.safetensors checkpoints/horse2zebra_pretrained/latest_net_G.safetensors
run "$gan_test" --dataroot datasets/maps/testA --name horse2zebra_pretrained --model test --no_dropout
grep -q "2 images with G from" step.log || { cat step.log; fail "--model test did not use latest_net_G"; }
# The test model's --model_suffix: G_A of the CycleGAN experiment itself.
run "$gan_test" --dataroot datasets/maps/testA --name maps_cyclegan --model test --model_suffix _A --no_dropout
grep -q "with G_A from" step.log || { cat step.log; fail "--model_suffix _A did not load G_A"; }

# scripts/train_colorization.sh and test_colorization.sh.
run "$gan_train" --dataroot ./datasets/colorization --name color_pix2pix --model colorization "${short[@]}"
run "$gan_test" --dataroot ./datasets/colorization --name color_pix2pix --model colorization
grep -q "gray (ab = 0) baseline" step.log || { cat step.log; fail "colorization test has no metrics"; }

# TestOptions the reference's test.py sets or users pass: all accepted.
run "$gan_test" --dataroot ./datasets/colorization --name color_pix2pix --model colorization --preprocess none \
  --load_size 256 --eval --aspect_ratio 1.0 --load_iter 0 --gpu_ids -1 --serial_batches --no_flip --batch_size 1 \
  --num_threads 0 --display_id -1 --ndf 64 --netD basic
run "$gan_test" --dataroot ./datasets/colorization --name color_pix2pix --model colorization --preprocess scale_width \
  --load_size 128 --aspect_ratio 0.5
python3 - <<'PY' || fail "--preprocess scale_width --load_size 128 --aspect_ratio 0.5 did not give 128×512 images"
import struct, glob
f = sorted(glob.glob("results/color_pix2pix/test_latest/images/*_colorized.png"))[0]
w, h = struct.unpack(">II", open(f, "rb").read()[16:24])
# scale_width: width 128, height max(128·256/256, crop_size 256) = 256 (the reference's
# __scale_width); aspect_ratio 0.5 then doubles the height of the saved image.
assert (w, h) == (128, 512), (f, w, h)
PY
echo "reference command lines: ok"
