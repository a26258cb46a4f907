#pragma once
// The device the GPU tests run on: the GPU (cuda:0), or in a SIMT build the SIMT device, where
// the same CUDA kernels run on the CPU (engine/simt/simt.h).
#include "engine/device.h"
#include "engine/simt/context_hooks.h"

inline pigment::Device test_gpu() { return pigment::kSimtBuild ? pigment::Device::simt() : pigment::Device::cuda(0); }

// Under AddressSanitizer on the SIMT device the bytes past an allocation are a redzone that ASan
// guards as it happens (tests/simt/planted_faults.cu), not guard bytes checked afterwards.
inline constexpr bool kGuardBytesAreRedzones = pigment::simt::kRedzoneGuards;
