#pragma once
// How this process was started: alone, by mpirun (Open MPI, or another MPI's PMI variables), or by
// torchrun's convention (RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT —
// also what `gan-train --gpu_ids 0,1` sets for the processes it starts). Read from the environment
// once, at start; a malformed variable is an error naming it.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "engine/names.h"

namespace pigment::distributed {

enum class Launcher { single, mpi, torchrun };
inline constexpr EnumNames<Launcher, 3> kLauncherNames{
    {{{"single", Launcher::single}, {"mpirun", Launcher::mpi}, {"torchrun", Launcher::torchrun}}}};

struct LaunchInfo {
  Launcher launcher = Launcher::single;
  int rank = 0, world_size = 1;
  int local_rank = 0, local_world_size = 1;  // this machine's processes (one per GPU)
  std::string master_addr;                   // torchrun: rank 0's host and port for the rendezvous
  int master_port = 0;

  bool distributed() const { return world_size > 1 || launcher != Launcher::single; }
  std::string str() const;  // "rank 1 of 2 (mpirun, local rank 1 of 2)"
};

// The variable's value, or nothing when it is not set.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

LaunchInfo detect_launch(const EnvLookup& env);
LaunchInfo detect_launch();  // from this process's environment

}  // namespace pigment::distributed
