#pragma once
// The MPI backend (builds with PIGMENT_MPI): host buffers, nonblocking collectives polled against a
// deadline. Under mpirun only: Open MPI cannot join processes started otherwise.
#include <memory>

#include "engine/distributed/communicator.h"
#include "engine/distributed/launch.h"

namespace pigment::distributed {

// Initialises MPI (threads: funneled) unless something already did; finalises it when destroyed.
std::unique_ptr<Communicator> make_mpi_communicator(const LaunchInfo& launch, const Device& device,
                                                    double timeout_seconds);

// Under mpirun with a GPU: MPI only carries NCCL's unique id (128 bytes) from rank 0 to every rank.
// The session initialises MPI and finalises it when the last holder lets go.
std::shared_ptr<void> mpi_session();
std::vector<std::byte> mpi_broadcast_from_rank0(std::span<const std::byte> bytes);

}  // namespace pigment::distributed
