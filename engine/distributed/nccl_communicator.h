#pragma once
// The NCCL backend (CUDA builds with NCCL, not SIMT): device buffers, its own stream ordered after
// the compute stream by events, a nonblocking communicator that a watchdog aborts on a timeout.
#include <memory>

#include "engine/distributed/communicator.h"
#include "engine/distributed/launch.h"

namespace pigment::distributed {

// NCCL's unique id (ncclUniqueId's 128 bytes), made by rank 0 (new_nccl_id) and handed to the others
// by the launcher's channel (MPI or the TCP rendezvous). `keep_alive` is held for the
// communicator's life (the MPI session under mpirun).
std::vector<std::byte> new_nccl_id();
std::unique_ptr<Communicator> make_nccl_communicator(const LaunchInfo& launch, const Device& device,
                                                     std::span<const std::byte> id, double timeout_seconds,
                                                     std::shared_ptr<void> keep_alive);

}  // namespace pigment::distributed
