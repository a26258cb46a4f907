#!/usr/bin/env bash
# On a GPU machine: Pigment's training steps and the PyTorch peer's, back to back on the same GPU,
# then the ratios (bench/compare_gpu.py). Results: OUTDIR/*.json.
#   bench/run_gpu_benchmarks.sh OUTDIR [BUILD_DIR] [--quick] [--dry-run]
# --quick: 50 timed steps instead of 200 on both sides and no torch.compile (which compiles for minutes).
# --dry-run: the script's logic without a GPU (tools/gpu-check.sh --dry-run): a SIMT build's step
#            benchmarks verify instead of timing, and the peer takes two steps at 128² on the CPU.
set -u
out=${1:?usage: bench/run_gpu_benchmarks.sh OUTDIR [BUILD_DIR] [--quick] [--dry-run]}
build=${2:-build-gpu}
shift $(($# >= 2 ? 2 : 1))
steps=200
warmup=20
size=256
modes=(eager compile)
for flag in "$@"; do
  case $flag in
    --quick) steps=50; modes=(eager) ;;
    --dry-run) steps=2; warmup=1; size=128; modes=(eager) ;;
  esac
done
cd "$(dirname "$0")/.."
mkdir -p "$out"
# The first python3 with PyTorch: PIGMENT_PYTHON, the PATH's, or Debian's (python3-torch).
python=
for p in ${PIGMENT_PYTHON:-} python3 /usr/bin/python3; do
  if "$p" -c "import torch" 2> /dev/null; then python=$p && break; fi
done
[ -n "$python" ] || { echo "run_gpu_benchmarks: no python3 with PyTorch (set PIGMENT_PYTHON)" >&2; python=python3; }
status=0
"$build/bin/pigment_bench_gpu_steps" --steps="$steps" --benchmark_out="$out/pigment_steps.json" --benchmark_out_format=json \
  > "$out/pigment_steps.log" 2>&1 || status=1
for model in pix2pix colorization cycle_gan; do
  for mode in "${modes[@]}"; do
    PYTHONUNBUFFERED=1 "$python" bench/peer/torch_step.py --model "$model" --mode "$mode" --steps "$steps" \
      --warmup "$warmup" --size "$size" --json "$out/torch_${model}_${mode}.json" >> "$out/torch_steps.log" 2>&1 || status=1
  done
done
python3 bench/compare_gpu.py "$out" || status=1
exit $status
