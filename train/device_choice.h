#pragma once
// --device for the tools: "auto" picks CUDA when a GPU is present and this build has a CUDA kernel
// for every op, else the CPU; "cuda" insists (and says what is missing).
#include <string>

#include "engine/device.h"

namespace pigment::train {

Device select_device(const std::string& spec);

}  // namespace pigment::train
