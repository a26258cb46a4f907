#!/usr/bin/env bash
# On a GPU machine, in one command: build with CUDA, run the GPU tests, gan-check --device cuda over
# every op and convolution implementation, compute-sanitizer (memcheck, racecheck, initcheck,
# synccheck) on the GPU op tests, the CPU tests, and the GPU benchmarks when they exist. Full logs
# go to OUTDIR; a summary table is printed last.
#
#   tools/gpu-check.sh OUTDIR [stage …]     stages: build tests check train sanitize cpu bench profile
#                                           (default: all but profile)
#
# Machines without Debian's -dev packages: run tools/fetch-gpu-deps.sh first on a machine that has
# them and carry .gpu-deps/ along; this script points CMake at it. PIGMENT_COMMIT names the commit
# in the logs when .git is not there.
set -u
out=${1:?usage: tools/gpu-check.sh OUTDIR [build tests check train sanitize cpu bench profile]}
shift
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(build tests check train sanitize cpu bench)
want() { [[ " ${stages[*]} " == *" $1 "* ]]; }
cd "$(dirname "$0")/.."
mkdir -p "$out"
build=build-gpu
jobs=$(nproc)
deps=()
if [ -d .gpu-deps/root/usr ]; then
  prefix=$PWD/.gpu-deps/root/usr
  deps=(-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_INCLUDE_PATH="$prefix/include")
  export LD_LIBRARY_PATH="$prefix/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
fi

{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: ${PIGMENT_COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader 2>&1 | sed 's/^/gpu: /'
  nvcc --version | tail -1 | sed 's/^/nvcc: /'
  grep -h -m3 -E "#define CUDNN_(MAJOR|MINOR|PATCHLEVEL)" /usr/include/cudnn_version*.h /usr/local/cuda/include/cudnn_version*.h \
    "$(python3 -c 'import nvidia.cudnn, os; print(os.path.dirname(nvidia.cudnn.__file__))' 2>/dev/null)"/include/cudnn_version*.h \
    2>/dev/null | awk '{printf "%s=%s ", $2, $3} END {print ""}' | sed 's/^/cudnn: /'
} > "$out/environment.txt"

results=()
step() {  # step NAME COMMAND… : runs, logs to OUTDIR/NAME.log, records the exit status
  local name=$1
  shift
  local start=$SECONDS
  "$@" > "$out/$name.log" 2>&1
  local rc=$?
  results+=("$(printf '%-24s %-6s %5ss  %s' "$name" "$([ $rc -eq 0 ] && echo ok || echo FAIL:$rc)" $((SECONDS - start)) "$(grep -E 'passed|failed|FAIL|ERROR SUMMARY|All tests' "$out/$name.log" | tail -1 | cut -c1-90)")")
  return $rc
}

if want build; then
  step configure cmake -S . -B "$build" -G Ninja -DPIGMENT_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 "${deps[@]}" || true
  step build cmake --build "$build" -j "$jobs" || { printf '%s\n' "${results[@]}"; tail -30 "$out/build.log"; exit 1; }
fi
if want tests; then
  step gpu-tests "$build/bin/pigment_gpu_tests" --durations yes
fi
if want check; then
  for impl in custom cudnn gemm; do step "gan-check-$impl" "$build/bin/gan-check" --device cuda --impl "$impl"; done
fi
if want train; then
  # gan-train --device cuda on the built-in synthetic data, each model for two short epochs, then
  # gan-test on the result: the three models train and infer on the GPU end to end.
  for model in colorization pix2pix cycle_gan; do
    step "train-$model" "$build/bin/gan-train" --device cuda --model "$model" --name "gpu_$model" \
      --checkpoints_dir "$out/checkpoints" --n_epochs 2 --n_epochs_decay 0 --max_dataset_size 64 --no_progress
    step "test-$model" "$build/bin/gan-test" --device cuda --model "$model" --name "gpu_$model" \
      --checkpoints_dir "$out/checkpoints" --results_dir "$out/results" --num_test 8
  done
fi
if want sanitize; then
  sanitizer=compute-sanitizer
  command -v $sanitizer > /dev/null || sanitizer=/usr/local/cuda/bin/compute-sanitizer
  # The op tests cover every kernel at small sizes, which keeps the sanitizers fast.
  step memcheck $sanitizer --tool memcheck --error-exitcode 1 --leak-check full "$build/bin/pigment_gpu_tests" "[ops]"
  step racecheck $sanitizer --tool racecheck --error-exitcode 1 "$build/bin/pigment_gpu_tests" "[ops]"
  step initcheck $sanitizer --tool initcheck --error-exitcode 1 "$build/bin/pigment_gpu_tests" "[ops]"
  step synccheck $sanitizer --tool synccheck --error-exitcode 1 "$build/bin/pigment_gpu_tests" "[ops]"
fi
if want profile; then
  # What the kernels use (registers, shared memory, spills) and where their time goes: Nsight
  # Compute on the res-block conv passes, attention and the instance norm, clocks left alone.
  ncu_bin=ncu
  command -v ncu > /dev/null || ncu_bin=/usr/local/cuda/bin/ncu
  cuobjdump_bin=cuobjdump
  command -v cuobjdump > /dev/null || cuobjdump_bin=/usr/local/cuda/bin/cuobjdump
  step resource-usage "$cuobjdump_bin" --dump-resource-usage "$build/engine/libpigment_core.a"
  step ncu "$ncu_bin" --clock-control none --kernel-name 'regex:gemm_kernel|attention|instance|chunk|plane' \
    --launch-skip 4 --launch-count 16 --section SpeedOfLight --section Occupancy --section LaunchStats \
    --section MemoryWorkloadAnalysis --section ComputeWorkloadAnalysis --section WarpStateStats \
    -f -o "$out/profile" "$build/bin/pigment_bench_gpu" --benchmark_min_time=0.01 \
    --benchmark_filter='conv/resnet9_resblock_3x3/b1/(fprop|dgrad|wgrad)/custom|attention/C256_64x64/fwd\+bwd/custom|memory/instance_norm_fwd'
  step ncu-details "$ncu_bin" --import "$out/profile.ncu-rep" --page details --csv
fi
if want cpu; then
  step cpu-tests ctest --test-dir "$build" -L cpu -j "$jobs" --output-on-failure
fi
if want bench; then
  step bench-kernels "$build/bin/pigment_bench_gpu" --benchmark_min_time=0.2 \
    --benchmark_out="$out/gpu_kernels.json" --benchmark_out_format=json
  step bench-steps bench/run_gpu_benchmarks.sh "$out/steps" "$build" --quick
fi

echo
cat "$out/environment.txt"
printf '%-24s %-6s %6s  %s\n' step result time "last line"
printf '%s\n' "${results[@]}"
