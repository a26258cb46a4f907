#!/usr/bin/env bash
# Ctrl-C during gan-train saves a checkpoint and exits 130; --continue_train then finishes the run.
# Usage: interrupt_and_resume.sh GAN_TRAIN WORK_DIR
set -u
gan_train=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
args=(--checkpoints_dir "$work" --name interrupted --netG unet_5d --ngf 4 --ndf 4 --netD n_layers --n_layers_D 2
      --load_size 36 --crop_size 32 --batch_size 2 --synthetic_train 64 --n_epochs 40 --n_epochs_decay 0
      --print_freq 2 --save_epoch_freq 1000 --no_progress)
"$gan_train" "${args[@]}" > "$work/first.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do  # wait until training is under way
  grep -q "^(epoch: " "$work/first.log" 2>/dev/null && break
  sleep 0.05
done
kill -INT "$pid"
wait "$pid"
status=$?
if [ "$status" -ne 130 ]; then echo "expected exit status 130 after Ctrl-C, got $status"; cat "$work/first.log"; exit 1; fi
if [ ! -f "$work/interrupted/latest_state.safetensors" ]; then echo "no checkpoint after Ctrl-C"; exit 1; fi
grep -q "saved 'latest'" "$work/first.log" || { echo "no save message"; exit 1; }
# Resume for one more epoch's worth, then stop as if interrupted again: the resume path works.
"$gan_train" "${args[@]}" --continue_train --stop_after 1000000 > "$work/second.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  grep -q "^(epoch: " "$work/second.log" 2>/dev/null && break
  sleep 0.05
done
kill -INT "$pid"
wait "$pid"
status=$?
grep -q "resumed 'latest'" "$work/second.log" || { echo "the second run did not resume"; cat "$work/second.log"; exit 1; }
[ "$status" -eq 130 ] || { echo "second run: expected 130, got $status"; exit 1; }
echo "interrupt and resume: ok"
