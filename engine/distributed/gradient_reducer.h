#pragma once
// GradientReducer: an optimizer's gradients averaged over the ranks while the backward pass still
// runs (PyTorch DDP's reducer). The flat gradient buffer (engine/parameters.h) is cut into buckets
// of whole parameters, about `bucket_bytes` each, from its end: the backward pass produces the last
// layers' gradients first. Every parameter tells the reducer when its gradient has been accumulated
// (a hook autograd calls after AccumulateGrad); a bucket whose parameters are all done starts its
// all-reduce at once — but only after every bucket before it, so that every rank starts the same
// collectives in the same order whatever order its gradients arrive in. finish() (at the optimizer
// step) starts the buckets still waiting (parameters that got no gradient), waits for all, and
// scales by 1/world_size.
//
// One accumulation per parameter between zero_grad() and the step: a second would arrive after its
// bucket was summed, and is refused (every model here accumulates each parameter once a step).
#include <cstddef>
#include <memory>
#include <vector>

#include "engine/distributed/communicator.h"
#include "engine/parameters.h"

namespace pigment::distributed {

class GradientReducer {
 public:
  GradientReducer(Communicator& comm, ParameterSet& params, std::size_t bucket_bytes = 25u << 20);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Before the optimizer's step: every bucket summed, then the buffer × 1/world_size.
  void finish();
  // zero_grad(): waits for collectives in flight (a backward without a step) and starts afresh.
  void reset();

  std::size_t buckets() const { return buckets_.size(); }
  // Buckets started before finish() in the last step: how much of the reduction overlapped the backward.
  std::size_t started_during_backward() const { return started_early_; }

 private:
  struct Bucket {
    std::int64_t first = 0, count = 0;  // the range of the flat buffer
    int parameters = 0, waiting = 0;    // its parameters, and those whose gradient has not come yet
    std::unique_ptr<Work> work;         // started
  };
  void gradient_ready(std::size_t parameter);
  void rearm();  // every bucket waited for and waiting again, no gradient in
  void start_ready_buckets();
  void start(Bucket& b);

  Communicator& comm_;
  ParameterSet& params_;
  std::vector<Bucket> buckets_;            // in starting order: the buffer's end first
  std::vector<std::size_t> bucket_of_;     // by parameter
  std::vector<bool> ready_;                // by parameter, since the last reset
  std::size_t next_ = 0;                   // the next bucket to start
  std::size_t started_early_ = 0;
  bool finishing_ = false;
};

}  // namespace pigment::distributed
