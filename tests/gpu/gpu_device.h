#pragma once
// The device the GPU tests run on: the GPU (cuda:0), or in a SIMT build the SIMT device, where
// the same CUDA kernels run on the CPU (engine/simt/simt.h).
#include "engine/device.h"

inline pigment::Device test_gpu() { return pigment::kSimtBuild ? pigment::Device::simt() : pigment::Device::cuda(0); }
