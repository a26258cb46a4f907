#pragma once
// --device for the tools: "auto" picks CUDA when a GPU is present and this build has a CUDA kernel
// for every op, else the CPU; "cuda" insists (and says what is missing). With one process per GPU
// (data parallelism), "auto" and "cuda" mean the GPU numbered by the process's local rank.
#include <string>

#include "engine/device.h"

namespace pigment::train {

Device select_device(const std::string& spec, int local_rank = 0);

}  // namespace pigment::train
