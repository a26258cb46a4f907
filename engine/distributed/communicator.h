#pragma once
// Communicator: the collectives data-parallel training needs, over whichever engine carries them —
// MPI between CPU processes (host buffers), NCCL between GPUs (device buffers, its own stream), or
// nothing in a single process. Nothing outside engine/distributed/ knows which one it holds.
//
// Every rank calls the same collectives in the same order (a GAN step is deterministic in what it
// reduces). A collective that does not complete within the communicator's timeout — a rank died,
// hung or was stopped — ends this process with a message naming the collective and, where known,
// the ranks that never reached it (MPI_Abort / ncclCommAbort then stop the others): a run never
// hangs forever.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/device.h"
#include "engine/error.h"
#include "engine/tensor.h"

namespace pigment::distributed {

// An operation started by a collective; wait() returns when its result may be read by the work
// queued after it (on a GPU: the compute stream waits for it, the host does not).
class Work {
 public:
  virtual ~Work() = default;
  virtual void wait() = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  virtual std::string backend() const = 0;  // "mpi", "nccl" or "single"
  // Where its buffers live: tensors passed in must be on this device (the host for MPI).
  virtual const Device& device() const = 0;

  // Sums a contiguous float32/float64 tensor over every rank, in place; starts now.
  virtual std::unique_ptr<Work> all_reduce_sum(const Tensor& t, const std::string& what) = 0;
  // Rank `root`'s values of a contiguous tensor into every rank's, in place.
  virtual void broadcast(const Tensor& t, int root, const std::string& what) = 0;
  // Every rank's bytes, in rank order, on every rank (sizes may differ).
  virtual std::vector<std::vector<std::byte>> all_gather_bytes(std::span<const std::byte> bytes,
                                                               const std::string& what) = 0;
  // Rank `root`'s bytes on every rank.
  virtual std::vector<std::byte> broadcast_bytes(std::span<const std::byte> bytes, int root,
                                                 const std::string& what) = 0;
  // Checks, without blocking longer than the timeout, that the collectives started so far are
  // progressing (the GPU's watchdog; a no-op where every wait already checks). Called once a step.
  virtual void check_progress() {}
  // Ends every rank after this one failed (its message already printed): MPI_Abort, ncclCommAbort.
  // Returns only for a single process, which the caller then ends with `exit_code` itself.
  virtual void abort(int exit_code) { (void)exit_code; }
};

// What a collective throws when it did not complete within the timeout (the caller prints it and
// calls abort()), or when the transport reports an error.
class CommunicationError : public Error {
 public:
  using Error::Error;
};

// A communicator of one process (world size 1): every collective is the identity.
std::unique_ptr<Communicator> make_single_communicator(const Device& device);

// ---- What training builds on these collectives (engine/distributed/collectives.cpp) ----------

// t ← alpha·t in place (a contiguous float32/float64 tensor on any device).
void scale_flat(const Tensor& t, double alpha);

// Averages `flat_grads` over the ranks in one go, after the backward pass (the GradientReducer,
// engine/distributed/gradient_reducer.h, does it during the backward): all-reduce sums in buckets of about `bucket_bytes`, all
// started before the first is waited for, then × 1/world_size. Every rank ends with the same values.
void average_gradients(Communicator& comm, const Tensor& flat_grads, std::size_t bucket_bytes = 25u << 20);

// Sums host numbers over the ranks (losses for the log, flags every rank must agree on).
std::vector<double> sum_over_ranks(Communicator& comm, std::span<const double> values, const std::string& what);
// True on every rank when `flag` is true on any rank.
bool any_rank(Communicator& comm, bool flag, const std::string& what);

// A string every rank must have the same: refused (pigment::Error naming the first rank whose value
// differs and `what`) when one differs. `describe` turns rank 0's and the other's values into the
// message's detail (which options differ).
void check_same_on_every_rank(Communicator& comm, const std::string& value, const std::string& what,
                              const std::function<std::string(const std::string& mine, const std::string& theirs)>&
                                  describe);

}  // namespace pigment::distributed
