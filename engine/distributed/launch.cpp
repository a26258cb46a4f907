#include "engine/distributed/launch.h"

#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

#include "engine/error.h"

namespace pigment::distributed {

namespace {

// The integer in variable `name`, within [lo, hi]; nothing when it is not set.
std::optional<int> int_variable(const EnvLookup& env, std::string_view name, int lo, int hi) {
  const std::optional<std::string> text = env(name);
  if (!text) return std::nullopt;
  long long value = 0;
  const char* last = text->data() + text->size();
  const auto [end, err] = std::from_chars(text->data(), last, value);
  PIGMENT_CHECK(!text->empty() && err == std::errc() && end == last && value >= lo && value <= hi,
                "the environment variable {}='{}' is not a whole number in [{}, {}]: it is set by the launcher "
                "(mpirun, torchrun or gan-train --gpu_ids); unset it to train in one process",
                name, *text, lo, hi);
  return static_cast<int>(value);
}

constexpr int kMaxRanks = 1 << 20;

// Rank and size from an MPI launcher's variables: Open MPI's, then PMIx's and the PMI of MPICH and
// Slurm. The first pair found wins.
std::optional<LaunchInfo> mpi_launch(const EnvLookup& env) {
  struct Names {
    std::string_view rank, size, local_rank, local_size;
  };
  constexpr Names kNames[] = {
      {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_SIZE"},
      {"PMIX_RANK", "PMIX_SIZE", "PMIX_LOCAL_RANK", "PMIX_LOCAL_SIZE"},
      {"PMI_RANK", "PMI_SIZE", "MPI_LOCALRANKID", "MPI_LOCALNRANKS"},
  };
  for (const Names& n : kNames) {
    const auto rank = int_variable(env, n.rank, 0, kMaxRanks - 1);
    const auto size = int_variable(env, n.size, 1, kMaxRanks);
    if (!rank || !size) continue;
    PIGMENT_CHECK(*rank < *size, "the environment says rank {} of {} ({} and {}): the launcher's variables disagree",
                  *rank, *size, n.rank, n.size);
    LaunchInfo info;
    info.launcher = Launcher::mpi;
    info.rank = *rank;
    info.world_size = *size;
    info.local_rank = int_variable(env, n.local_rank, 0, kMaxRanks - 1).value_or(*rank);
    info.local_world_size = int_variable(env, n.local_size, 1, kMaxRanks).value_or(*size);
    return info;
  }
  return std::nullopt;
}

}  // namespace

std::string LaunchInfo::str() const {
  if (launcher == Launcher::single) return "one process";
  return fmt::format("rank {} of {} ({}, local rank {} of {})", rank, world_size, kLauncherNames.name(launcher),
                     local_rank, local_world_size);
}

LaunchInfo detect_launch(const EnvLookup& env) {
  if (auto info = mpi_launch(env)) return *info;
  const auto rank = int_variable(env, "RANK", 0, kMaxRanks - 1);
  const auto size = int_variable(env, "WORLD_SIZE", 1, kMaxRanks);
  if (!rank && !size) return {};
  PIGMENT_CHECK(rank && size, "the environment sets {} but not {}: torchrun's convention needs RANK, WORLD_SIZE, "
                "MASTER_ADDR and MASTER_PORT (LOCAL_RANK too on a machine with several GPUs)",
                rank ? "RANK" : "WORLD_SIZE", rank ? "WORLD_SIZE" : "RANK");
  PIGMENT_CHECK(*rank < *size, "the environment says RANK={} with WORLD_SIZE={}: RANK counts from 0", *rank, *size);
  LaunchInfo info;
  info.launcher = Launcher::torchrun;
  info.rank = *rank;
  info.world_size = *size;
  info.local_rank = int_variable(env, "LOCAL_RANK", 0, kMaxRanks - 1).value_or(0);
  info.local_world_size = int_variable(env, "LOCAL_WORLD_SIZE", 1, kMaxRanks).value_or(info.local_rank + 1);
  PIGMENT_CHECK(info.local_rank < info.local_world_size, "the environment says LOCAL_RANK={} with LOCAL_WORLD_SIZE={}",
                info.local_rank, info.local_world_size);
  if (*size > 1) {
    const auto addr = env("MASTER_ADDR");
    PIGMENT_CHECK(addr && !addr->empty(), "WORLD_SIZE={} but MASTER_ADDR is not set: give rank 0's host name or address "
                  "(127.0.0.1 on one machine)", *size);
    info.master_addr = *addr;
    const auto port = int_variable(env, "MASTER_PORT", 1, 65535);
    PIGMENT_CHECK(port.has_value(), "WORLD_SIZE={} but MASTER_PORT is not set: give a free TCP port on rank 0's host "
                  "(torchrun uses 29500)", *size);
    info.master_port = *port;
  }
  return info;
}

LaunchInfo detect_launch() {
  return detect_launch([](std::string_view name) -> std::optional<std::string> {
    const char* value = std::getenv(std::string(name).c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  });
}

}  // namespace pigment::distributed
