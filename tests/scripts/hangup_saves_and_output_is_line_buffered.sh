#!/usr/bin/env bash
# gan-train with its output in a file (as under nohup, > log or | tee):
#  - stdout is line-buffered: the first loss line reaches the file as soon as it is printed, and the
#    file always ends with a whole line (block buffering would show nothing, then 4 KB cut mid-line);
#  - SIGHUP (the terminal closed, ssh dropped) saves a checkpoint and exits 130, as Ctrl-C does.
# Usage: hangup_saves_and_output_is_line_buffered.sh GAN_TRAIN WORK_DIR
set -u
gan_train=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
"$gan_train" --checkpoints_dir "$work" --name hangup --netG unet_5d --ngf 4 --ndf 4 --netD n_layers --n_layers_D 2 \
  --load_size 36 --crop_size 32 --batch_size 2 --synthetic_train 64 --n_epochs 40 --n_epochs_decay 0 \
  --print_freq 2 --save_epoch_freq 1000 --no_progress > "$work/out.log" 2> "$work/err.log" &
pid=$!
seen=0
for _ in $(seq 1 600); do
  if grep -q "^(epoch: " "$work/out.log" 2>/dev/null; then seen=1; break; fi
  sleep 0.05
done
[ "$seen" -eq 1 ] || { echo "no loss line in the file after 30 s: stdout is not line-buffered"; kill -9 "$pid"; exit 1; }
last=$(tail -c 1 "$work/out.log" | od -An -c | tr -d ' ')
[ "$last" = '\n' ] || { echo "the file ends mid-line ('$last'): stdout is block-buffered"; kill -9 "$pid"; exit 1; }
grep -q "samples per epoch" "$work/out.log" || { echo "the start-up lines are missing from the file"; exit 1; }
kill -HUP "$pid"
wait "$pid"
status=$?
[ "$status" -eq 130 ] || { echo "expected exit status 130 after SIGHUP, got $status"; cat "$work/err.log"; exit 1; }
[ -f "$work/hangup/latest_state.safetensors" ] || { echo "no checkpoint after SIGHUP"; exit 1; }
grep -q "saved 'latest'" "$work/out.log" || { echo "no save message after SIGHUP"; exit 1; }
echo "hang-up saves, output line-buffered: ok"
