#include "train/device_choice.h"

#include <fmt/format.h>

#include "engine/error.h"
#include "kernels/ops/spec.h"

namespace pigment::train {

Device select_device(const std::string& given, int local_rank) {
  if (given == "auto") {
    if (cuda_device_count() > 0 && cuda_backend_complete()) return Device::cuda(local_rank % cuda_device_count());
    return Device::cpu();
  }
  // One process per GPU: "cuda" means this machine's GPU of the process's local rank.
  const std::string spec = given == "cuda" ? fmt::format("cuda:{}", local_rank) : given;
  const Device device = Device::parse(spec);
  if (device.is_cuda() && !cuda_backend_complete()) {
    std::string missing;
    for (int i = 0; i < kNumOps; ++i)
      if (!op_has_cuda_kernel(static_cast<OpId>(i))) missing += std::string(missing.empty() ? "" : ", ") + std::string(kOpNames[i]);
    PIGMENT_FAIL("--device {}: this build has no CUDA kernel yet for {}; use --device cpu", spec, missing);
  }
  return device;
}

}  // namespace pigment::train
