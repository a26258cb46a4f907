#!/usr/bin/env bash
# Prepares .gpu-deps/: the Debian packages Pigment builds against, unpacked (not installed) into a
# folder, for GPU machines that have the CUDA toolkit but no package registry. The device tool
# carries the folder; tools/gpu-check.sh points CMake at it.
#   tools/fetch-gpu-deps.sh            (on the development machine, which reaches Debian's archive)
set -euo pipefail
cd "$(dirname "$0")/.."
dest=.gpu-deps
rm -rf "$dest" && mkdir -p "$dest/debs" "$dest/root"
packages=(libfmt-dev libfmt9 nlohmann-json3-dev libcli11-dev catch2 libstb-dev libstb0 libbenchmark-dev libbenchmark1debian)
(cd "$dest/debs" && apt-get download "${packages[@]}")
for deb in "$dest"/debs/*.deb; do dpkg -x "$deb" "$dest/root"; done
rm -rf "$dest/debs"
mkdir -p .git/info && grep -qxF "/.gpu-deps/" .git/info/exclude 2>/dev/null || echo "/.gpu-deps/" >> .git/info/exclude
du -sh "$dest"
