#!/usr/bin/env bash
# Installs Pigment's build and test dependencies from Debian's archive (and, for one test,
# tensorboard from PyPI).
# Idempotent: packages already present are left alone; safe to run repeatedly.
# CUDA, cuDNN and cuBLAS are not installed here: the build finds them if present
# (PIGMENT_CUDA=AUTO) and builds CPU-only otherwise.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  catch2                # Catch2 v2 (tests)
  libstb-dev            # stb_image / stb_image_write (image IO)
  libbenchmark-dev      # Google Benchmark (bench/)
  libfmt-dev            # formatting
  nlohmann-json3-dev    # safetensors headers, configs, bench results
  libcli11-dev          # command-line parsing of the tools
  libboost-context-dev  # fibers of the SIMT harness (-DPIGMENT_CUDA=SIMT: the CUDA kernels run on the CPU)
  libcpp-httplib-dev    # gan-serve's HTTP server
  libopenmpi-dev openmpi-bin   # data-parallel training between CPU processes (mpirun -np N gan-train)
  python3 python3-numpy python3-torch   # cross-checks against PyTorch on the CPU
  python3-torchvision   # the memory colorizer's key network against torchvision's ResNet-18
  python3-pil           # regenerating the bicubic-resize fixture (tests/data/fixtures); gan-serve's tests
  chromium chromium-driver python3-selenium   # gan-serve's page tested in a real (headless) browser
  python3-pip           # the PyPI install of tensorboard below
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
else
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# For tests only: TensorBoard's own reader checks Pigment's event files
# (tests/scripts/check_tensorboard.py). Debian has no package for it, so it comes from PyPI, into
# the user's site-packages of the Debian python3 the tests run (not a virtual environment's). A
# failure is only a warning: that test then reports skipped.
python=/usr/bin/python3
[ -x "$python" ] || python=python3
if "$python" -c "import tensorboard" 2>/dev/null; then
  echo "install-deps: tensorboard already installed"
elif "$python" -m pip install --user --break-system-packages --quiet tensorboard; then
  echo "install-deps: installed tensorboard (PyPI)"
else
  echo "install-deps: warning: could not install tensorboard from PyPI; its test will be skipped" >&2
fi
