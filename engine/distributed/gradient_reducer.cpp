#include "engine/distributed/gradient_reducer.h"

#include <algorithm>

#include <fmt/format.h>

namespace pigment::distributed {

GradientReducer::GradientReducer(Communicator& comm, ParameterSet& params, std::size_t bucket_bytes)
    : comm_(comm), params_(params) {
  params.flatten();
  const auto& entries = params.entries();
  const auto element = static_cast<std::int64_t>(dtype_size(params.flat_grads().dtype()));
  const auto limit = std::max<std::int64_t>(1, static_cast<std::int64_t>(bucket_bytes) / element);
  bucket_of_.resize(entries.size());
  ready_.assign(entries.size(), false);
  // Parameters from the last: a bucket closes when the next parameter would take it past the limit.
  const std::int64_t base = params.flat_grads().storage_offset();
  for (std::size_t k = entries.size(); k-- > 0;) {
    const Tensor& grad = entries[k].second.grad();
    const std::int64_t first = grad.storage_offset() - base, count = grad.numel();
    if (buckets_.empty() || buckets_.back().count + count > limit) buckets_.push_back(Bucket{first + count, 0, 0, 0, {}});
    Bucket& b = buckets_.back();
    PIGMENT_CHECK(first + count == b.first, "GradientReducer: parameter '{}' is not where the flat buffer's order puts it",
                  entries[k].first);
    b.first = first;
    b.count += count;
    b.parameters++;
    bucket_of_[k] = buckets_.size() - 1;
  }
  for (Bucket& b : buckets_) b.waiting = b.parameters;
  for (std::size_t k = 0; k < entries.size(); ++k)
    entries[k].second.impl_ptr()->grad_accumulated = [this, k] { gradient_ready(k); };
}

GradientReducer::~GradientReducer() {
  for (const auto& [name, p] : params_.entries()) p.impl_ptr()->grad_accumulated = nullptr;
}

void GradientReducer::gradient_ready(std::size_t parameter) {
  PIGMENT_CHECK(!ready_[parameter],
                "data parallelism: the gradient of '{}' was accumulated twice before the optimizer's step; its "
                "bucket was already being summed over the ranks (one backward per parameter and step)",
                params_.entries()[parameter].first);
  ready_[parameter] = true;
  --buckets_[bucket_of_[parameter]].waiting;
  start_ready_buckets();
}

void GradientReducer::start_ready_buckets() {
  while (next_ < buckets_.size() && (finishing_ || buckets_[next_].waiting == 0)) {
    if (!finishing_) ++started_early_;
    start(buckets_[next_++]);
  }
}

void GradientReducer::start(Bucket& b) {
  const Tensor& flat = params_.flat_grads();
  const Tensor range = Tensor::view_of(flat.storage(), flat.storage_offset() + b.first, {b.count}, flat.dtype());
  b.work = comm_.all_reduce_sum(
      range, fmt::format("the gradient all-reduce (bucket {} of {}, {} values)",
                         static_cast<std::size_t>(&b - buckets_.data()), buckets_.size(), b.count));
}

void GradientReducer::finish() {
  finishing_ = true;
  start_ready_buckets();
  finishing_ = false;
  for (Bucket& b : buckets_) b.work->wait();
  scale_flat(params_.flat_grads(), 1.0 / comm_.world_size());
  rearm();  // started_during_backward() still tells of this step
}

void GradientReducer::reset() {
  rearm();
  started_early_ = 0;
}

void GradientReducer::rearm() {
  for (Bucket& b : buckets_) {
    if (b.work) b.work->wait();
    b.work.reset();
    b.waiting = b.parameters;
  }
  std::fill(ready_.begin(), ready_.end(), false);
  next_ = 0;
}

}  // namespace pigment::distributed
