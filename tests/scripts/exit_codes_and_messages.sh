#!/usr/bin/env bash
# One table of exit codes (engine/exit.h: 0 ok, 1 failed, 2 usage or bad input, 3 diverged,
# 130 interrupted) and one message style, "tool: problem: fix", in every tool.
# Usage: exit_codes_and_messages.sh BIN_DIR WORK_DIR
set -u
bin=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
failures=0
# expect CODE PATTERN TOOL ARGS…: exit CODE, and stderr is one "TOOL: …" message matching PATTERN,
# without a doubled prefix or a bare library message.
expect() {
  local code=$1 pattern=$2 tool=$3
  shift 3
  "$bin/$tool" "$@" > out.log 2> err.log
  local status=$?
  local message
  message=$(grep -v '^warning' err.log | tail -n 1)
  if [ "$status" -ne "$code" ]; then
    echo "FAIL: $tool $*: exit $status, expected $code"; cat out.log err.log; failures=$((failures + 1)); return
  fi
  case "$message" in
    "$tool: $tool:"*) echo "FAIL: $tool $*: doubled prefix: $message"; failures=$((failures + 1)); return ;;
    "$tool: "*) ;;
    *) echo "FAIL: $tool $*: message does not start with '$tool: ': $message"; failures=$((failures + 1)); return ;;
  esac
  if grep -Eq "filesystem error|stoll|stoi|stod|basic_string|std::|[0-9]{16}|e\+308" err.log; then
    echo "FAIL: $tool $*: a bare library message: $message"; failures=$((failures + 1)); return
  fi
  if ! grep -Eq -- "$pattern" <<< "$message"; then
    echo "FAIL: $tool $*: message '$message' does not match '$pattern'"; failures=$((failures + 1)); return
  fi
  echo "ok: $tool $* → $status: $message"
}
tiny=(--netG unet_5d --ngf 4 --ndf 4 --netD n_layers --n_layers_D 2 --load_size 36 --crop_size 32 --batch_size 2
      --synthetic_train 4 --synthetic_test 2 --n_epochs 1 --n_epochs_decay 0 --no_progress)

# Usage errors: 2 in every tool.
for tool in gan-train gan-test gan-check gan-memory gan-serve make-synthetic-dataset make-colorization-dataset combine-A-and-B; do
  expect 2 "not expected|is required" "$tool" --no_such_option
done
expect 2 "--ngf: 'abc' is not a whole number" gan-train --ngf abc
expect 2 "--norm: .*did you mean instance" gan-train --norm instnace
expect 2 "mpirun -np 2 gan-train" gan-train --gpu_ids 0,1
expect 2 "this tool runs on one GPU" gan-test --gpu_ids 0,1
expect 2 "--port: must be between 0 and 65535" gan-serve --port 70000
expect 2 "cannot create the results folder" gan-serve --port 0 --results_dir /proc/no_such/results
expect 2 "give one" gan-test --eval --dropout_at_test
expect 2 "--ngf: 'x' is not a whole number.*gan-test --help" gan-test --ngf x
# Numbers with plain bounds in every tool, not the type's limits.
expect 2 "--num_test: must be at least 1, got 0" gan-test --num_test 0
expect 2 "--aspect_ratio: 'wide' is not a number" gan-test --aspect_ratio wide
expect 2 "--samples: must be at least 1, got 0" gan-check --samples 0
expect 2 "--size: must be between 8 and 8192, got 2" make-synthetic-dataset --output x --size 2
expect 2 "unknown op" gan-check --op no_such_op
expect 2 "no case matched" gan-check --op conv2d --shape no-such-shape
# Bad input: files and folders.
expect 2 "--dataroot '/no/such/folder' is not a directory" gan-train --dataroot /no/such/folder
expect 2 "no checkpoint .*latest_net_G.safetensors" gan-test --name no_such_experiment --checkpoints_dir ./none
# A folder that cannot be made (even by root): the path and the reason, not "filesystem error".
expect 2 "cannot create directories '/proc/pigment_no_such/.*': .*: check that the path" gan-train \
  --checkpoints_dir /proc/pigment_no_such "${tiny[@]}"
expect 2 "--suffix '\{nfg\}': \{nfg\} is not an option" gan-train --suffix "{nfg}"
expect 2 "exists and is not empty" make-colorization-dataset --input . --output .
# A run named by --suffix, then gan-test finds it under the same name.
"$bin/gan-train" --checkpoints_dir ck --name run --suffix "{netG}_ngf{ngf}" "${tiny[@]}" > train.log 2>&1 ||
  { echo "FAIL: the --suffix run"; cat train.log; failures=$((failures + 1)); }
[ -f ck/run_unet_5d_ngf4/latest_net_G.safetensors ] || { echo "FAIL: --suffix did not name the run"; failures=$((failures + 1)); }
"$bin/gan-test" --checkpoints_dir ck --name run_unet_5d_ngf4 --results_dir res --num_test 1 > test.log 2>&1 ||
  { echo "FAIL: gan-test of the --suffix run"; cat test.log; failures=$((failures + 1)); }
# Tiles are for translation models; a colorizer predicts at its crop size.
expect 2 "--tile 64 and --no_tile contradict" gan-test --checkpoints_dir ck --name run_unet_5d_ngf4 --results_dir res \
  --tile 64 --no_tile
expect 2 "needs no tiles; --tile is for translation models" gan-test --checkpoints_dir ck --name run_unet_5d_ngf4 \
  --results_dir res --tile 64
expect 2 "--tile_statistics: .*not in" gan-test --tile_statistics whole
# --continue_train with an option that changes what is trained: refused, then --force warns.
resume=(--checkpoints_dir ck --name run_unet_5d_ngf4 "${tiny[@]}" --continue_train)
expect 2 "--batch_size 4 \(the run: 2\).*--force" gan-train "${resume[@]}" --batch_size 4
"$bin/gan-train" "${resume[@]}" --batch_size 4 --force > force.log 2>&1 ||
  { echo "FAIL: --force"; cat force.log; failures=$((failures + 1)); }
grep -q "warning: --force: continuing with --batch_size 4 (the run: 2)" force.log ||
  { echo "FAIL: no --force warning"; cat force.log; failures=$((failures + 1)); }
"$bin/gan-train" "${resume[@]}" --lr 0.001 > schedule.log 2>&1 ||
  { echo "FAIL: a changed --lr"; cat schedule.log; failures=$((failures + 1)); }
grep -q "warning: the schedule changes from here on: --lr 0.001" schedule.log ||
  { echo "FAIL: no schedule warning"; cat schedule.log; failures=$((failures + 1)); }
# A temporary file of a killed save is removed at the next start; a live process's is kept.
sleep 0 & dead=$!; wait "$dead"
touch "ck/run_unet_5d_ngf4/latest_state.safetensors.tmp.$dead" "ck/run_unet_5d_ngf4/x.tmp.$$"
"$bin/gan-train" "${resume[@]}" > stale.log 2>&1
grep -q "removed 1 unfinished temporary file" stale.log && [ -e "ck/run_unet_5d_ngf4/x.tmp.$$" ] &&
  [ ! -e "ck/run_unet_5d_ngf4/latest_state.safetensors.tmp.$dead" ] ||
  { echo "FAIL: stale temporaries"; cat stale.log; failures=$((failures + 1)); }
[ "$failures" -eq 0 ] && echo "exit codes and messages: ok"
exit "$failures"
