#!/usr/bin/env bash
# The one-command GPU check: on a GPU machine, build Pigment with CUDA and spend the rest of a short
# lease measuring, most valuable first, each stage within its own time budget so that a run cut
# short still brings back the most important results.
#
#   tools/gpu-check.sh [--dry-run] [--build-dir DIR] OUTDIR [STAGE …]
#
# Default stages, in order. Each has a cap in seconds, and the whole run is held to 475 s (8
# minutes): a stage starts with what is left, so time a stage does not use goes to the next, and a
# run cut short has done the most valuable stages (expected times on an H200 with 16 cores in
# brackets, from 2-core builds and the CPU share of each stage).
#   build     150  configure (sm_90 only) and build the GPU programs                      [~40 s]
#   tests      60  the GPU test binary: every op against the CPU, bit-exact integer cases,
#                  cuDNN, training on both backends, the allocator                         [~20 s]
#   check     135  gan-check --device cuda with --impl custom, cudnn and gemm, spec and
#                  layer shapes, 45 s each                                                 [~60 s]
#   train      78  gan-train --device cuda for colorization, pix2pix and CycleGAN (an epoch
#                  of 32 images of the built-in data), then gan-test; data parallelism's
#                  NCCL path at world size 1 (torchrun's variables), and 2 with --gpu_ids
#                  0,1 when the machine has two GPUs                                       [~45 s]
#   steps      90  training steps against the PyTorch peer on the same GPU                [~70 s]
#   kernels    45  the kernel benchmarks (every conv pass × implementation, attention,
#                  memory ops)                                                             [~40 s]
#   sanitize   60  compute-sanitizer memcheck and racecheck on the op tests               [~60 s]
# Extra stages, by name only: profile (cuobjdump resource usage, Nsight Compute on the hot kernels),
# initcheck, synccheck, cpu (the CPU tests).
#
# What comes back (at most 8 files, none in a subfolder): OUTDIR/summary.txt (environment and the
# table, rewritten after every stage), OUTDIR/logs.tar (each stage's log, appended as it ends),
# OUTDIR/gpu_kernels.json and OUTDIR/steps.tar (benchmark results for bench/results/), and with
# the profile stage OUTDIR/profile.tar.
#
# On the device machine (one H200, 16 cores, CUDA 13 and PyTorch, no Debian -dev packages, no
# registry) it runs as one command of the device tool. Once, here: tools/fetch-gpu-deps.sh (unpacks
# the Debian packages Pigment builds against into .gpu-deps/, git-ignored). Then:
#   run(command = "PIGMENT_COMMIT=<git rev-parse HEAD> tools/gpu-check.sh $OUT",
#       carry = [".gpu-deps"], timeout_s = 540)
# It takes about 8 minutes; cuDNN and cuBLAS are found in the toolkit or in PyTorch's nvidia-*
# wheels. Commit summary.txt's table to docs/verification.md and the JSON to bench/results/.
#
# --dry-run walks the same stages on the SIMT device (a -DPIGMENT_CUDA=SIMT build, default folder
# build-simt): the script's own logic — budgets, skips, packing — is tested without a GPU
# (CTest: simt_gpu_check_dry_run). GPU-only tools are named, not run.
set -u
dry_run=0
build=
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) dry_run=1; shift ;;
    --build-dir) build=$2; shift 2 ;;
    *) break ;;
  esac
done
out=${1:?usage: tools/gpu-check.sh [--dry-run] [--build-dir DIR] OUTDIR [STAGE …]}
shift
stages=("$@")
[ ${#stages[@]} -eq 0 ] && stages=(build tests check train steps kernels sanitize)
cd "$(dirname "$0")/.."
root=$PWD
mkdir -p "$out"
out=$(cd "$out" && pwd)
# Logs, checkpoints and results before they are packed: outside OUTDIR, so that a run killed midway
# leaves there only what was packed.
work=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX")
rm -f "$out/logs.tar" "$out/summary.txt" "$out/steps.tar" "$out/gpu_kernels.json" "$out/profile.tar"
jobs=$(nproc)
# A dry run emulates the kernels on a loaded CI machine: every cap and the deadline are 3× longer.
stretch=$([ $dry_run -eq 1 ] && echo 3 || echo 1)
deadline=${PIGMENT_GPU_CHECK_SECONDS:-$((475 * stretch))}
start=$SECONDS

if [ $dry_run -eq 1 ]; then
  build=${build:-build-simt}
  device=simt
  configure_args=(-DPIGMENT_CUDA=SIMT)
else
  build=${build:-build-gpu}
  device=cuda
  # No MPI on the device machine (no Debian -dev packages): NCCL is reached by torchrun's variables.
  configure_args=(-DPIGMENT_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=90 -DPIGMENT_NATIVE=OFF -DPIGMENT_WITH_MPI=OFF)
fi
case $build in /*) ;; *) build=$root/$build ;; esac

# ---- Dependencies on a machine without Debian's -dev packages ------------------------------------------
if [ -d .gpu-deps/root/usr ] && [ $dry_run -eq 0 ]; then
  prefix=$root/.gpu-deps/root/usr
  configure_args+=(-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_INCLUDE_PATH="$prefix/include")
  export LD_LIBRARY_PATH="$prefix/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
fi
# cuDNN and cuBLAS from PyTorch's wheels when the toolkit has none (the device machine's image).
wheel_dir() { python3 -c "import nvidia.$1 as m; print(list(m.__path__)[0])" 2>/dev/null; }
if [ $dry_run -eq 0 ]; then
  if ! ls /usr/include/cudnn.h /usr/local/cuda/include/cudnn.h > /dev/null 2>&1; then
    if d=$(wheel_dir cudnn) && [ -f "$d/include/cudnn.h" ]; then
      lib=$(ls "$d"/lib/libcudnn.so* 2>/dev/null | head -1)
      configure_args+=(-DPIGMENT_CUDNN_INCLUDE_DIR="$d/include" -DPIGMENT_CUDNN_LIBRARY="$lib")
      export LD_LIBRARY_PATH="$d/lib:$LD_LIBRARY_PATH"
    fi
  fi
  if ! ls /usr/local/cuda/lib64/libcublas.so > /dev/null 2>&1; then
    if d=$(wheel_dir cublas) && [ -d "$d/lib" ]; then
      lib=$(ls "$d"/lib/libcublas.so* 2>/dev/null | head -1)
      lt=$(ls "$d"/lib/libcublasLt.so* 2>/dev/null | head -1)
      configure_args+=(-DCUDA_cublas_LIBRARY="$lib" -DCUDA_cublasLt_LIBRARY="$lt")
      export LD_LIBRARY_PATH="$d/lib:$LD_LIBRARY_PATH"
    fi
  fi
fi

# ---- The environment --------------------------------------------------------------------------------------
environment() {
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: ${PIGMENT_COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}"
  if [ $dry_run -eq 1 ]; then
    echo "device: none — a dry run on the SIMT device (the CUDA kernels on the CPU), $(nproc) cores"
  else
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader 2>&1 | sed 's/^/gpu: /'
  fi
  command -v nvcc > /dev/null && nvcc --version | tail -1 | sed 's/^/nvcc: /'
  local headers=(/usr/include /usr/local/cuda/include "$(wheel_dir cudnn)/include")
  for h in "${headers[@]}"; do
    [ -f "$h/cudnn_version.h" ] || continue
    grep -h -m3 -E "#define CUDNN_(MAJOR|MINOR|PATCHLEVEL) " "$h/cudnn_version.h" | awk '{printf "%s=%s ", $2, $3} END {print ""}' | sed 's/^/cudnn: /'
    break
  done
  for h in /usr/local/cuda/include "$(wheel_dir cublas)/include"; do
    [ -f "$h/cublas_api.h" ] || continue
    grep -h -m3 -E "#define CUBLAS_VER_(MAJOR|MINOR|PATCH) " "$h/cublas_api.h" | awk '{printf "%s=%s ", $2, $3} END {print ""}' | sed 's/^/cublas: /'
    break
  done
  python3 -c "import torch; print('torch:', torch.__version__, 'cuda' if torch.cuda.is_available() else 'cpu')" 2>/dev/null
  echo "build: $build (${configure_args[*]})"
}
environment_text=$(environment 2>&1)

# ---- Stages ----------------------------------------------------------------------------------------------
rows=()
summary() {
  {
    echo "$environment_text"
    echo
    printf '%-22s %-9s %6s  %s\n' stage result time "last line"
    printf '%s\n' "${rows[@]}"
    echo "elapsed $((SECONDS - start)) s of $deadline"
  } > "$out/summary.txt"
}
failures=0
# step NAME BUDGET COMMAND… : runs within min(BUDGET, time left), logs to NAME.log, packs the log.
step() {
  local name=$1 budget=$(($2 * stretch))
  shift 2
  local left=$((deadline - (SECONDS - start)))
  [ "$budget" -gt "$left" ] && budget=$left
  local result t0=$SECONDS rc=0
  if [ "$budget" -lt 2 ]; then
    result=skipped
    echo "skipped: out of time ($left s left of $deadline)" > "$work/$name.log"
  else
    timeout --kill-after=5 "$budget" "$@" > "$work/$name.log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then result=ok
    elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then result="TIMEOUT" && failures=$((failures + 1))
    elif [ $rc -eq 77 ]; then result=skipped
    else result="FAIL:$rc" && failures=$((failures + 1))
    fi
  fi
  local last
  last=$(grep -E 'passed|failed|FAIL|ERROR SUMMARY|All tests|tests ran|skipped|speed-up|verified|done|would run|written|ms/step' "$work/$name.log" | tail -1 | cut -c1-80)
  rows+=("$(printf '%-22s %-9s %5ss  %s' "$name" "$result" $((SECONDS - t0)) "$last")")
  tar -C "$work" -rf "$out/logs.tar" "$name.log"
  summary
  return $rc
}
# Put before a command that needs a GPU tool: in a dry run the command is named, not run.
gpu_only=()
[ $dry_run -eq 1 ] && gpu_only=(echo "dry run: would run:")
want() { [[ " ${stages[*]} " == *" $1 "* ]]; }
bin=$build/bin
targets=(pigment_gpu_tests gan-check gan-train gan-test pigment_bench_gpu pigment_bench_gpu_steps)

if want build; then
  step configure 60 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release "${configure_args[@]}"
  if ! step build 150 cmake --build "$build" -j "$jobs" --target "${targets[@]}"; then
    tail -30 "$work/build.log"
    printf '%s\n' "${rows[@]}"
    exit 1
  fi
fi
if want tests; then
  # (A dry run takes the op tests only: the whole binary runs on the SIMT device as its own CTest.)
  filter=()
  [ $dry_run -eq 1 ] && filter=("[ops]")
  step gpu-tests 60 "$bin/pigment_gpu_tests" --durations yes "${filter[@]}"
fi
if want check; then
  for impl in custom cudnn gemm; do
    if [ $dry_run -eq 1 ] && [ $impl = cudnn ]; then
      step "gan-check-$impl" 45 bash -c "echo 'dry run: cuDNN is not on the SIMT device'; exit 77"
    else
      step "gan-check-$impl" 45 "$bin/gan-check" --device $device --impl $impl
    fi
  done
fi
if want train; then
  # Each model for an epoch of 32 images of the built-in data with its default networks (tiny ones
  # in a dry run), then inference on the result.
  nets=()
  samples=32
  [ $dry_run -eq 1 ] && nets=(--netG unet_5d --ngf 8 --ndf 8 --load_size 32 --crop_size 32) && samples=4
  for model in colorization pix2pix cycle_gan memory_colorization; do
    step "train-$model" 20 "$bin/gan-train" --device $device --model $model --name "gpu_$model" \
      --checkpoints_dir "$work/checkpoints" --n_epochs 1 --n_epochs_decay 0 --max_dataset_size $samples --no_progress \
      "${nets[@]}" &&
      step "test-$model" 6 "$bin/gan-test" --device $device --model $model --name "gpu_$model" \
        --checkpoints_dir "$work/checkpoints" --results_dir "$work/results" --num_test 4 "${nets[@]:0:4}"
  done
  # Data parallelism over NCCL: one rank under torchrun's variables (a real NCCL communicator of
  # world size 1), then one process per GPU when there are two. Not on the SIMT device.
  dp=(--model pix2pix --checkpoints_dir "$work/checkpoints" --n_epochs 1 --n_epochs_decay 0 --max_dataset_size 16
      --no_progress --dist_timeout 60)
  step train-nccl-1 15 "${gpu_only[@]}" env RANK=0 WORLD_SIZE=1 LOCAL_RANK=0 "$bin/gan-train" --device cuda \
    --name gpu_nccl_1 "${dp[@]}"
  if [ $dry_run -eq 0 ] && [ "$(nvidia-smi -L 2>/dev/null | wc -l)" -ge 2 ]; then
    step train-nccl-2 20 "$bin/gan-train" --gpu_ids 0,1 --name gpu_nccl_2 "${dp[@]}"
  fi
fi
if want steps; then
  dry=()
  [ $dry_run -eq 1 ] && dry=(--dry-run)
  step bench-steps 90 bench/run_gpu_benchmarks.sh "$work/steps" "$build" --quick "${dry[@]}"
  [ -d "$work/steps" ] && tar -C "$work" -cf "$out/steps.tar" steps
fi
if want kernels; then
  step bench-kernels 45 "$bin/pigment_bench_gpu" --benchmark_min_time=0.05 \
    --benchmark_out="$out/gpu_kernels.json" --benchmark_out_format=json
fi
sanitizer=compute-sanitizer
command -v $sanitizer > /dev/null || sanitizer=/usr/local/cuda/bin/compute-sanitizer
for tool in memcheck racecheck initcheck synccheck; do
  # The op tests run every kernel at small sizes, which keeps the sanitizers fast.
  if want "$tool" || { want sanitize && [[ $tool == memcheck || $tool == racecheck ]]; }; then
    step "$tool" 30 "${gpu_only[@]}" $sanitizer --tool $tool --error-exitcode 1 "$bin/pigment_gpu_tests" "[ops]"
  fi
done
if want profile; then
  # What the kernels use (registers, shared memory, spills) and where their time goes: Nsight
  # Compute on the res-block conv passes, attention and the instance norm, clocks left alone.
  ncu_bin=ncu
  command -v ncu > /dev/null || ncu_bin=/usr/local/cuda/bin/ncu
  cuobjdump_bin=cuobjdump
  command -v cuobjdump > /dev/null || cuobjdump_bin=/usr/local/cuda/bin/cuobjdump
  mkdir -p "$work/profile"
  step resource-usage 30 "${gpu_only[@]}" "$cuobjdump_bin" --dump-resource-usage "$build/engine/libpigment_core.a"
  step ncu 120 "${gpu_only[@]}" "$ncu_bin" --clock-control none --kernel-name 'regex:gemm_kernel|attention|instance|chunk|plane' \
    --launch-skip 4 --launch-count 16 --section SpeedOfLight --section Occupancy --section LaunchStats \
    --section MemoryWorkloadAnalysis --section ComputeWorkloadAnalysis --section WarpStateStats \
    -f -o "$work/profile/kernels" "$bin/pigment_bench_gpu" --benchmark_min_time=0.01 \
    --benchmark_filter='conv/resnet_9blocks_res-block_3x3/b1/(fprop|dgrad|wgrad)/custom|attention/sa_unet_256_attention_x1x256x64x64/fwd\+bwd/custom|memory/instance_norm_fwd'
  [ -f "$work/profile/kernels.ncu-rep" ] &&
    step ncu-details 30 "$ncu_bin" --import "$work/profile/kernels.ncu-rep" --page details --csv
  tar -C "$work" -cf "$out/profile.tar" profile
fi
if want cpu; then
  step cpu-tests 120 ctest --test-dir "$build" -L cpu -j "$jobs" --output-on-failure
fi

# ---- What comes back: at most 8 files of at most 16 MiB, no subfolder ----------------------------------------
rm -rf "$work"
summary
files=$(find "$out" -type f | wc -l)
big=$(find "$out" -type f -size +16M | wc -l)
deep=$(find "$out" -mindepth 2 | wc -l)
if [ "$files" -gt 8 ] || [ "$big" -gt 0 ] || [ "$deep" -gt 0 ]; then
  echo "gpu-check: OUTDIR breaks the return limits: $files files, $big over 16 MiB, $deep below the top" | tee -a "$out/summary.txt"
  failures=$((failures + 1))
fi
echo
cat "$out/summary.txt"
[ $failures -eq 0 ]
