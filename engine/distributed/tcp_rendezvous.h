#pragma once
// The rendezvous of torchrun's convention, for what NCCL needs before it can talk: rank 0 listens on
// MASTER_ADDR:MASTER_PORT and hands its payload (NCCL's unique id) to each other rank, which
// connects (retrying until rank 0 listens) and says which rank of which world size it is. A second
// rank with the same number, a different world size or a deadline passed is an error naming it.
#include <cstddef>
#include <span>
#include <vector>

#include "engine/distributed/launch.h"

namespace pigment::distributed {

// Rank 0 returns `payload`; every other rank returns what rank 0 sent.
std::vector<std::byte> tcp_rendezvous(const LaunchInfo& launch, std::span<const std::byte> payload,
                                      double timeout_seconds);

}  // namespace pigment::distributed
