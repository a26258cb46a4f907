// Main of the GPU test binary. Without a CUDA device it exits with 77 (CTest's SKIP_RETURN_CODE for
// label gpu), so CI reports the GPU tests as skipped rather than passed. In a SIMT build the tests
// run on the SIMT device (tests/gpu/gpu_device.h), except those tagged [cudnn]: cuDNN cannot run
// there, so they are left out of every run, and a run that asks for them alone exits with 77.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "engine/device.h"

int main(int argc, char** argv) {
  if (!pigment::kSimtBuild && pigment::cuda_device_count() == 0) {
    std::printf("no CUDA device: GPU tests skipped\n");
    return 77;
  }
  std::vector<char*> args(argv, argv + argc);
  std::string no_cudnn = "~[cudnn]";
  if (pigment::kSimtBuild) {
    for (int i = 1; i < argc; ++i)
      if (std::string(argv[i]) == "[cudnn]") {
        std::printf("these tests need cuDNN, which the SIMT device cannot run: skipped\n");
        return 77;
      }
    args.push_back(no_cudnn.data());  // ANDed with any filter given
  }
  return Catch::Session().run(static_cast<int>(args.size()), args.data());
}
