#pragma once
// `gan-train --gpu_ids 0,1,…`: one training process per listed GPU on this machine, as torchrun
// would start them. The parent starts each child with the same command line and torchrun's
// variables (RANK = LOCAL_RANK = its index, WORLD_SIZE = LOCAL_WORLD_SIZE = the count,
// MASTER_ADDR = 127.0.0.1, MASTER_PORT = a free port), waits, and returns the run's exit code.
// When a child fails, the others are stopped (SIGTERM, then SIGKILL after a grace period) and the
// message names the rank and how it ended. Ctrl-C reaches the children from the terminal (they save
// and stop together); a SIGTERM sent to the parent alone is passed on to them.
#include <chrono>
#include <string>
#include <vector>

namespace pigment::train {

struct LocalLaunch {
  std::vector<std::string> argv;  // the child's command line, argv[0] the program
  int processes = 1;
  std::chrono::seconds grace{30};  // from SIGTERM to SIGKILL for the others after one failed
};

// Returns 0 when every child succeeded, else the first failure's exit code (128 + signal for a
// child killed by a signal).
int run_local_ranks(const LocalLaunch& launch);

// A TCP port free on the loopback interface now (the kernel's choice).
int free_loopback_port();

}  // namespace pigment::train
