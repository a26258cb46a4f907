// Main of the GPU test binary: exits with 77 (CTest's SKIP_RETURN_CODE for label gpu) when no
// CUDA device is present, so CI reports the GPU tests as skipped rather than passed.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>

#include "engine/device.h"

int main(int argc, char** argv) {
  if (pigment::cuda_device_count() == 0) {
    std::printf("no CUDA device: GPU tests skipped\n");
    return 77;
  }
  return Catch::Session().run(argc, argv);
}
