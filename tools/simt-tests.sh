#!/usr/bin/env bash
# The CUDA kernels on the CPU: configures, builds and runs the SIMT device's tests (CTest label
# simt) in up to three build folders of their own, and prints how long each part took.
#   tools/simt-tests.sh [plain] [asan] [tsan] [slow]     (default: plain asan tsan)
#     plain  build-simt       -DPIGMENT_CUDA=SIMT: what the simt label runs builds, and passes
#     asan   build-simt-asan  + AddressSanitizer and UndefinedBehaviorSanitizer
#     tsan   build-simt-tsan  + ThreadSanitizer on the kernels (shared-memory races between barriers)
#     slow   the simt-slow label in build-simt: the networks' real layer shapes (core-minutes)
# Needs what tools/install-deps.sh installs and the CUDA toolkit's headers (no GPU, no nvcc run).
set -euo pipefail
cd "$(dirname "$0")/.."
variants=("$@")
[ ${#variants[@]} -eq 0 ] && variants=(plain asan tsan)
jobs=${PIGMENT_JOBS:-2}
timings=()
part() {  # part NAME COMMAND… : runs and records how long it took
  local name=$1 start=$SECONDS
  shift
  echo "==== $name: $*"
  "$@"
  timings+=("$(printf '%-22s %5d s' "$name" $((SECONDS - start)))")
}
configure() {  # configure DIR [CMAKE ARGS…]
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -DPIGMENT_CUDA=SIMT "$@" > "$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; return 1; }
}
for v in "${variants[@]}"; do
  case $v in
    plain)
      part simt-configure configure build-simt
      # What the simt label runs, not the CPU-only programs (the main build compiles those; here
      # they would add minutes to CI and check nothing SIMT).
      part simt-build cmake --build build-simt -j "$jobs" --target pigment_simt_checks pigment_bench_gpu \
        pigment_bench_gpu_steps pigment-lab-instance-norm
      part simt-tests ctest --test-dir build-simt -L '^simt$' -j "$jobs" --output-on-failure
      ;;
    asan | tsan)
      sanitizer=$([ "$v" = asan ] && echo address || echo thread)
      part "simt-$v-configure" configure "build-simt-$v" -DPIGMENT_SANITIZE="$sanitizer" \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPIGMENT_BUILD_BENCH=OFF
      # Only what the simt label runs: a sanitizer build of everything would double the time.
      part "simt-$v-build" cmake --build "build-simt-$v" -j "$jobs" --target pigment_simt_checks
      part "simt-$v-tests" ctest --test-dir "build-simt-$v" -L '^simt$' -j "$jobs" --output-on-failure
      ;;
    slow)
      [ -f build-simt/CMakeCache.txt ] || part simt-configure configure build-simt
      part simt-build cmake --build build-simt -j "$jobs"
      part simt-slow-tests ctest --test-dir build-simt -L '^simt-slow$' -j "$jobs" --output-on-failure
      ;;
    *)
      echo "tools/simt-tests.sh: unknown variant '$v' (plain, asan, tsan, slow)" >&2
      exit 2
      ;;
  esac
done
echo
echo "SIMT parts:"
printf '  %s\n' "${timings[@]}"
