#include "engine/distributed/factory.h"

#include "engine/distributed/tcp_rendezvous.h"
#if PIGMENT_MPI
#include "engine/distributed/mpi_communicator.h"
#endif
#if PIGMENT_NCCL
#include "engine/distributed/nccl_communicator.h"
#endif

namespace pigment::distributed {

bool mpi_built() { return PIGMENT_MPI; }
bool nccl_built() { return PIGMENT_NCCL; }

std::unique_ptr<Communicator> make_communicator(const LaunchInfo& launch, const Device& device,
                                                const CommunicatorOptions& options) {
  (void)options;  // unused in a build with neither MPI nor NCCL
  if (!launch.distributed()) return make_single_communicator(device);
  if (device.is_cpu()) {
    PIGMENT_CHECK(launch.launcher == Launcher::mpi,
                  "{}: training on the CPU in several processes goes over MPI: start with `mpirun -np N gan-train …` "
                  "(torchrun's RANK/WORLD_SIZE variables serve the GPU backend, NCCL)",
                  launch.str());
#if PIGMENT_MPI
    return make_mpi_communicator(launch, device, options.timeout_seconds);
#else
    PIGMENT_FAIL("{}: this build has no MPI backend: install Open MPI (libopenmpi-dev, as tools/install-deps.sh "
                 "does) and configure again",
                 launch.str());
#endif
  }
  PIGMENT_CHECK(!device.is_simt(), "{}: data parallelism runs on the CPU (MPI) or on GPUs (NCCL), not on the SIMT "
                "device: use --device cpu", launch.str());
#if PIGMENT_NCCL
  std::vector<std::byte> id = launch.rank == 0 ? new_nccl_id() : std::vector<std::byte>();
  std::shared_ptr<void> keep_alive;
  if (launch.launcher == Launcher::mpi) {
#if PIGMENT_MPI
    keep_alive = mpi_session();
    id = mpi_broadcast_from_rank0(id);
#else
    PIGMENT_FAIL("{}: under mpirun NCCL's id travels over MPI, and this build has no MPI: install libopenmpi-dev and "
                 "configure again, or launch with torchrun's variables (or gan-train --gpu_ids 0,1,…)", launch.str());
#endif
  } else {
    id = tcp_rendezvous(launch, id, options.timeout_seconds);
  }
  return make_nccl_communicator(launch, device, id, options.timeout_seconds, std::move(keep_alive));
#else
  PIGMENT_FAIL("{}: several GPUs communicate over NCCL, which this build lacks: install NCCL (libnccl-dev, or the "
               "CUDA toolkit's) and configure again",
               launch.str());
#endif
}

}  // namespace pigment::distributed
