#pragma once
// The communicator a launch asks for (engine/distributed/communicator.h):
//   one process                      → single (world size 1)
//   mpirun, CPU device               → MPI (host buffers)
//   mpirun or torchrun, CUDA device  → NCCL; its unique id is broadcast over MPI under mpirun, or
//                                      handed out by rank 0 over TCP (MASTER_ADDR:MASTER_PORT)
// and a clear error for what this build cannot do (no MPI, no NCCL, torchrun's variables on the
// CPU), naming the fix.
#include <memory>

#include "engine/distributed/communicator.h"
#include "engine/distributed/launch.h"

namespace pigment::distributed {

struct CommunicatorOptions {
  double timeout_seconds = 600;  // a collective waiting longer ends the run (--dist_timeout)
};

std::unique_ptr<Communicator> make_communicator(const LaunchInfo& launch, const Device& device,
                                                const CommunicatorOptions& options);

// Whether this build carries each backend (PIGMENT_MPI, PIGMENT_NCCL).
bool mpi_built();
bool nccl_built();

}  // namespace pigment::distributed
