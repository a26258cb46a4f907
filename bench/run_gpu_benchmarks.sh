#!/usr/bin/env bash
# On a GPU machine: Pigment's training steps and the PyTorch peer's, back to back on the same GPU,
# then the ratios (bench/compare_gpu.py). Results: OUTDIR/*.json.
#   bench/run_gpu_benchmarks.sh OUTDIR [BUILD_DIR] [--quick]
# --quick: 50 timed steps instead of 200 and no torch.compile (which compiles for minutes).
set -u
out=${1:?usage: bench/run_gpu_benchmarks.sh OUTDIR [BUILD_DIR] [--quick]}
build=${2:-build-gpu}
quick=${3:-}
cd "$(dirname "$0")/.."
mkdir -p "$out"
steps=200
modes=(eager compile)
if [ "$quick" = "--quick" ]; then steps=50; modes=(eager); fi
"$build/bin/pigment_bench_gpu_steps" --benchmark_out="$out/pigment_steps.json" --benchmark_out_format=json \
  > "$out/pigment_steps.log" 2>&1
for model in pix2pix colorization cycle_gan; do
  for mode in "${modes[@]}"; do
    PYTHONUNBUFFERED=1 python3 bench/peer/torch_step.py --model "$model" --mode "$mode" --steps "$steps" \
      --json "$out/torch_${model}_${mode}.json" >> "$out/torch_steps.log" 2>&1
  done
done
python3 bench/compare_gpu.py "$out"
