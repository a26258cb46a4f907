#include <algorithm>

#include <fmt/format.h>

#include "engine/distributed/communicator.h"
#include "engine/error.h"
#include "kernels/raw/pointwise.h"

namespace pigment::distributed {

namespace {

class DoneWork final : public Work {
 public:
  void wait() override {}
};

class SingleCommunicator final : public Communicator {
 public:
  explicit SingleCommunicator(const Device& device) : device_(device) {}
  int rank() const override { return 0; }
  int world_size() const override { return 1; }
  std::string backend() const override { return "single"; }
  const Device& device() const override { return device_; }
  std::unique_ptr<Work> all_reduce_sum(const Tensor&, const std::string&) override {
    return std::make_unique<DoneWork>();
  }
  void broadcast(const Tensor&, int, const std::string&) override {}
  std::vector<std::vector<std::byte>> all_gather_bytes(std::span<const std::byte> bytes, const std::string&) override {
    return {std::vector<std::byte>(bytes.begin(), bytes.end())};
  }
  std::vector<std::byte> broadcast_bytes(std::span<const std::byte> bytes, int, const std::string&) override {
    return {bytes.begin(), bytes.end()};
  }

 private:
  Device device_;
};

// Elements [first, first + count) of a contiguous [N] tensor, sharing its storage.
Tensor narrow_flat(const Tensor& flat, std::int64_t first, std::int64_t count) {
  return Tensor::view_of(flat.storage(), flat.storage_offset() + first, {count}, flat.dtype());
}

}  // namespace

void scale_flat(const Tensor& t, double alpha) {
  if (t.is_cpu()) {
    visit_dtype(t.dtype(), [&]<class T>() { cpu::scale_forward<T>(t.numel(), t.data<T>(), static_cast<T>(alpha), T(0), t.data<T>()); });
  } else if constexpr (kCudaBuilt) {
    cuda::scale_forward(as_cuda(t.context()), t.numel(), t.data<float>(), static_cast<float>(alpha), 0.0f,
                        t.data<float>());
  }
}

std::unique_ptr<Communicator> make_single_communicator(const Device& device) {
  return std::make_unique<SingleCommunicator>(device);
}

void average_gradients(Communicator& comm, const Tensor& flat_grads, std::size_t bucket_bytes) {
  const int world = comm.world_size();
  if (world == 1) return;
  PIGMENT_CHECK(flat_grads.rank() == 1, "average_gradients: expects a flat [N] gradient buffer, got {}",
                flat_grads.shape().str());
  const std::int64_t n = flat_grads.numel();
  const auto per_bucket =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(bucket_bytes / dtype_size(flat_grads.dtype())));
  // Every bucket is started before any is waited for: on a GPU they queue on the communicator's
  // stream one after another; with MPI each progresses while the next is posted.
  std::vector<std::unique_ptr<Work>> started;
  for (std::int64_t first = 0, b = 0; first < n; first += per_bucket, ++b) {
    const std::int64_t count = std::min(per_bucket, n - first);
    started.push_back(comm.all_reduce_sum(narrow_flat(flat_grads, first, count),
                                          fmt::format("the gradient all-reduce (bucket {}, {} values)", b, count)));
  }
  for (auto& w : started) w->wait();
  scale_flat(flat_grads, 1.0 / world);
}

std::vector<double> sum_over_ranks(Communicator& comm, std::span<const double> values, const std::string& what) {
  std::vector<double> out(values.begin(), values.end());
  if (comm.world_size() == 1 || values.empty()) return out;
  const Tensor t = Tensor::from_vector<double>({static_cast<std::int64_t>(out.size())}, out, comm.device());
  comm.all_reduce_sum(t, what)->wait();
  return t.to_vector<double>();
}

bool any_rank(Communicator& comm, bool flag, const std::string& what) {
  const double v = flag ? 1.0 : 0.0;
  return sum_over_ranks(comm, std::span(&v, 1), what).front() > 0;
}

void check_same_on_every_rank(Communicator& comm, const std::string& value, const std::string& what,
                              const std::function<std::string(const std::string&, const std::string&)>& describe) {
  if (comm.world_size() == 1) return;
  const auto all = comm.all_gather_bytes(std::as_bytes(std::span(value.data(), value.size())), what);
  const auto text = [&](int r) {
    const auto& b = all[static_cast<std::size_t>(r)];
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
  };
  for (int r = 1; r < comm.world_size(); ++r)
    if (text(r) != text(0))
      PIGMENT_FAIL("rank {} was started with other {} than rank 0: {}. Every rank must run the same command",
                   r, what, describe(text(0), text(r)));
}

}  // namespace pigment::distributed
