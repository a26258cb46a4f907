#!/usr/bin/env bash
# The memory colorizer from the command line, as a user runs it: gan-train on the built-in scenes,
# gan-test with the memory's colours, alternatives, a reference photo and the benchmark's bounds,
# gan-memory list/add/remove (an edit reaches gan-test), and the errors of a slip.
# Usage: memory_colorizer_tools.sh BIN_DIR WORK_DIR
set -u
bin=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tiny=(--model memory_colorization --netG unet_5d --ngf 4 --ndf 4 --netD n_layers --n_layers_D 2 --load_size 36
      --crop_size 32 --batch_size 2 --key_width 4 --synthetic_train 6 --synthetic_test 2 --synthetic_palettes 3
      --n_epochs 1 --n_epochs_decay 0 --no_progress --name mem)
"$bin/gan-train" "${tiny[@]}" > train.log 2>&1 || { cat train.log; fail "gan-train"; }
grep -q "net M    colour memory (7 slots)" train.log || fail "the memory is 1.2 × the 6 training scenes"
[ -f checkpoints/mem/train_images.txt ] || fail "train_images.txt written"

# gan-test: the nearest slot's colours and 2 alternatives; the page says where the colours came from.
"$bin/gan-test" --name mem --num_colorings 3 > test.log 2>&1 || { cat test.log; fail "gan-test"; }
images=results/mem/test_latest/images
for f in scene_000_colorized scene_000_colorized_2 scene_000_colorized_3; do
  [ -f "$images/$f.png" ] || fail "$f.png written"
done
grep -q "colours of memory slot [0-9]* (similarity [-0-9.]*), from synthetic:0:[0-9]*" test.log || fail "the source is named"
grep -q '"memory_slots"' results/mem/test_latest/metrics.json || fail "metrics.json lists the slots used"
grep -q "from synthetic:0" results/mem/test_latest/index.html || fail "the page names the source"
for source in truth random; do
  "$bin/gan-test" --name mem --colour_source $source --results_dir "results_$source" > "test_$source.log" 2>&1 ||
    { cat "test_$source.log"; fail "gan-test --colour_source $source"; }
done
grep -q "its own colours" test_truth.log || fail "--colour_source truth"
grep -q "random memory slot" test_random.log || fail "--colour_source random"
"$bin/gan-test" --name mem --reference "$images/scene_001_ground_truth.png" --results_dir results_ref > test_ref.log 2>&1 ||
  { cat test_ref.log; fail "gan-test --reference"; }
grep -q "colours of .*scene_001_ground_truth.png" test_ref.log || fail "--reference names the photo"

# gan-memory: list, add a photo (into a free slot or the oldest), remove it; gan-test sees the edit.
"$bin/gan-memory" --name mem list > list.log 2>&1 || { cat list.log; fail "gan-memory list"; }
grep -q "slots hold colours" list.log || fail "list's header"
"$bin/gan-memory" --name mem add "$images/scene_000_ground_truth.png" > add.log 2>&1 || { cat add.log; fail "gan-memory add"; }
slot=$(sed -n 's/.* → slot \([0-9]*\).*/\1/p' add.log)
[ -n "$slot" ] || fail "add names the slot"
"$bin/gan-test" --name mem --results_dir results_edit > test_edit.log 2>&1 || { cat test_edit.log; fail "gan-test after add"; }
grep -q "scene_000 .*colours of memory slot $slot (similarity 1.000), from reference:.*scene_000_ground_truth.png" test_edit.log ||
  fail "the added photo's own gray image retrieves it"
"$bin/gan-memory" --name mem remove "$slot" > remove.log 2>&1 || { cat remove.log; fail "gan-memory remove"; }
"$bin/gan-memory" --name mem list > list2.log 2>&1
grep -q "reference:" list2.log && fail "the removed slot is gone"

# Slips: a clear message and exit 2 (usage or bad input: engine/exit.h).
expect_fail() {
  local code=$1 pattern=$2
  shift 2
  "$@" > slip.log 2>&1
  local status=$?
  [ "$status" -eq "$code" ] && grep -Eq -- "$pattern" slip.log || { fail "$*: exit $status, expected $code and '$pattern'"; cat slip.log; }
}
expect_fail 2 "empty already" "$bin/gan-memory" --name mem remove "$slot"
expect_fail 2 "slot 99: the memory has slots 0 to 6" "$bin/gan-memory" --name mem remove 99
expect_fail 2 "no experiment" "$bin/gan-memory" --name no_such list
expect_fail 2 "--crop_size 36 is not" "$bin/gan-train" "${tiny[@]}" --crop_size 36 --load_size 40 --name bad_crop
expect_fail 2 "not a U-Net" "$bin/gan-train" "${tiny[@]}" --netG resnet_6blocks --name bad_net
"$bin/gan-train" --netG unet_5d --ngf 4 --ndf 4 --load_size 36 --crop_size 32 --synthetic_train 2 --n_epochs 1 \
  --n_epochs_decay 0 --no_progress --name plain > plain.log 2>&1 || fail "a plain colorizer"
expect_fail 2 "only a memory_colorization experiment" "$bin/gan-memory" --name plain list
expect_fail 2 "choose a memory colorizer's colours" "$bin/gan-test" --name plain --num_colorings 2
echo "$failures failure(s)"
[ "$failures" -eq 0 ]
