// gan-train: trains pix2pix, CycleGAN or a Lab colorizer (see docs/user-guide.md).
#include <cstdio>

#include <fmt/format.h>

#include "engine/device.h"
#include "engine/distributed/launch.h"
#include "engine/exit.h"
#include "train/local_launch.h"
#include "train/options.h"
#include "train/trainer.h"

int main(int argc, char** argv) {
  // Line-buffered even into a file or a pipe (> log, nohup, | tee): progress shows as it happens,
  // whole lines, and nothing printed is lost when the process is killed.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  try {
    const auto options = pigment::train::parse_train_options(argc, argv);
    if (!options) return 0;  // --help
    // --gpu_ids 0,1,…: this process starts one training process per GPU and waits for them.
    if (!options->gpu_ids.empty() && !pigment::distributed::detect_launch().distributed()) {
      const std::vector<int> ids = pigment::train::parse_gpu_ids(options->gpu_ids);
      if (ids.size() > 1) {
        const int gpus = pigment::cuda_device_count();
        if (gpus == 0)
          return pigment::report_usage_error(
              "gan-train", fmt::format("--gpu_ids {} starts one process per GPU, and {}: train in several CPU "
                                       "processes with `mpirun -np {} gan-train …`, or give --gpu_ids -1",
                                       options->gpu_ids,
                                       pigment::kCudaBuilt ? "this machine has no GPU" : "this build has no CUDA",
                                       ids.size()));
        for (const int id : ids)
          if (id >= gpus)
            return pigment::report_usage_error(
                "gan-train", fmt::format("--gpu_ids {}: GPU {} does not exist here ({} GPU(s): 0 … {})",
                                         options->gpu_ids, id, gpus, gpus - 1));
        std::vector<std::string> args(argv, argv + argc);
        args[0] = "/proc/self/exe";  // this very program, wherever it was started from
        return pigment::train::run_local_ranks({args, static_cast<int>(ids.size())});
      }
    }
    return pigment::train::run_training(*options);
  } catch (const std::exception& e) {
    return pigment::report_failure("gan-train", e);
  }
}
