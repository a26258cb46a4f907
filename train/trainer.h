#pragma once
// The training loop of gan-train: data, model, schedule, logs, visuals, checkpoints, resume.
#include <memory>

#include "train/options.h"

namespace pigment::train {

// Runs a whole training; returns the process exit status (0 done, 130 interrupted and saved,
// 3 diverged). Errors in the setup throw pigment::Error.
int run_training(const TrainOptions& options);

}  // namespace pigment::train
