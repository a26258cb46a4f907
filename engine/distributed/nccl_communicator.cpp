// NCCL communicator. Collectives run on a stream of their own: an event recorded on the compute
// stream orders each after the work that produced its buffer, and Work::wait() makes the compute
// stream wait for the collective's end event — the host never blocks on a gradient bucket.
//
// The watchdog: NCCL blocks inside the GPU when a peer is gone, so every collective's end event is
// kept, and check_progress() (once a step, from the trainer) waits for those of earlier steps
// against the deadline, polling ncclCommGetAsyncError; on a timeout or an asynchronous error it
// aborts the communicator (ncclCommAbort frees the stuck kernels) and throws. The communicator is
// created nonblocking (config.blocking = 0) so that initialisation with an absent peer times out too.
#include "engine/distributed/nccl_communicator.h"

#include <cuda_runtime.h>
#include <nccl.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <thread>

#include <fmt/format.h>

#include "engine/cuda/cuda_check.h"
#include "engine/cuda/cuda_context.h"

// The NCCL member of the PIGMENT_*CHECK family (engine/error.h); ncclInProgress is a state of a
// nonblocking communicator, not an error, and the callers poll it.
#define PIGMENT_NCCL_CHECK(expr)                                                                   \
  do {                                                                                             \
    const ncclResult_t pigment_status_ = (expr);                                                   \
    if (pigment_status_ != ncclSuccess && pigment_status_ != ncclInProgress) [[unlikely]]          \
      throw ::pigment::distributed::CommunicationError(::fmt::format(                              \
          "{} failed: {} ({})", #expr, ncclGetErrorString(pigment_status_), ncclGetLastError(nullptr))); \
  } while (0)

namespace pigment::distributed {

namespace {

using Clock = std::chrono::steady_clock;

ncclDataType_t nccl_type(DType t) {
  switch (t) {
    case DType::f32: return ncclFloat32;
    case DType::f64: return ncclFloat64;
  }
  PIGMENT_FAIL("NCCL: unsupported dtype");
}

class NcclCommunicator;

class NcclWork final : public Work {
 public:
  NcclWork(cudaStream_t compute, cudaEvent_t done) : compute_(compute), done_(done) {}
  void wait() override { PIGMENT_CUDA_CHECK(cudaStreamWaitEvent(compute_, done_, 0)); }

 private:
  cudaStream_t compute_;
  cudaEvent_t done_;  // owned by the communicator's list of pending collectives
};

class NcclCommunicator final : public Communicator {
 public:
  NcclCommunicator(const LaunchInfo& launch, const Device& device, std::span<const std::byte> id,
                   double timeout_seconds, std::shared_ptr<void> keep_alive)
      : device_(device), ctx_(as_cuda(device.context())), rank_(launch.rank), size_(launch.world_size),
        timeout_(timeout_seconds), keep_alive_(std::move(keep_alive)) {
    PIGMENT_CHECK(id.size() == sizeof(ncclUniqueId), "NCCL: a unique id of {} bytes, expected {}", id.size(),
                  sizeof(ncclUniqueId));
    ncclUniqueId unique{};
    std::memcpy(&unique, id.data(), sizeof unique);
    PIGMENT_CUDA_CHECK(cudaSetDevice(device.index()));
    PIGMENT_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    config.blocking = 0;
    PIGMENT_NCCL_CHECK(ncclCommInitRankConfig(&comm_, size_, unique, rank_, &config));
    wait_for_comm("NCCL's initialisation (every rank must start)");
  }

  ~NcclCommunicator() override {
    for (auto& p : pending_) cudaEventDestroy(p.done);
    if (comm_) {
      if (aborted_) {
        // ncclCommAbort already freed it.
      } else {
        ncclCommFinalize(comm_);
        ncclCommDestroy(comm_);
      }
    }
    if (stream_) cudaStreamDestroy(stream_);
  }

  int rank() const override { return rank_; }
  int world_size() const override { return size_; }
  std::string backend() const override { return "nccl"; }
  const Device& device() const override { return device_; }

  std::unique_ptr<Work> all_reduce_sum(const Tensor& t, const std::string& what) override {
    check_on_device(t);
    after_compute();
    PIGMENT_NCCL_CHECK(ncclAllReduce(t.raw_data(), t.raw_data(), static_cast<std::size_t>(t.numel()),
                                     nccl_type(t.dtype()), ncclSum, comm_, stream_));
    wait_for_comm(what);
    cudaEvent_t done = record_done(what);
    return std::make_unique<NcclWork>(ctx_.stream(), done);
  }

  void broadcast(const Tensor& t, int root, const std::string& what) override {
    check_on_device(t);
    broadcast_device(t.raw_data(), t.nbytes(), root, what);
  }

  std::vector<std::byte> broadcast_bytes(std::span<const std::byte> bytes, int root, const std::string& what) override {
    std::int64_t size = static_cast<std::int64_t>(bytes.size());
    Tensor size_buffer = Tensor::empty({1}, DType::f64, device_);  // 8 bytes on the device
    ctx_.copy_from_host(size_buffer.raw_data(), &size, sizeof size);
    broadcast_device(size_buffer.raw_data(), sizeof size, root, what + " (its size)");
    ctx_.copy_to_host(&size, size_buffer.raw_data(), sizeof size);
    std::vector<std::byte> out(static_cast<std::size_t>(size));
    if (size == 0) return out;
    Tensor buffer = Tensor::empty({(size + 7) / 8}, DType::f64, device_);
    if (rank_ == root) ctx_.copy_from_host(buffer.raw_data(), bytes.data(), bytes.size());
    broadcast_device(buffer.raw_data(), out.size(), root, what);
    ctx_.copy_to_host(out.data(), buffer.raw_data(), out.size());
    return out;
  }

  std::vector<std::vector<std::byte>> all_gather_bytes(std::span<const std::byte> bytes,
                                                       const std::string& what) override {
    // Sizes first, then every rank's bytes padded to the largest.
    const auto world = static_cast<std::size_t>(size_);
    std::vector<std::int64_t> sizes(world);
    const auto mine = static_cast<std::int64_t>(bytes.size());
    Tensor size_buffer = Tensor::empty({static_cast<std::int64_t>(world)}, DType::f64, device_);
    ctx_.copy_from_host(static_cast<std::byte*>(size_buffer.raw_data()) + 8 * static_cast<std::size_t>(rank_), &mine, 8);
    gather_device(size_buffer.raw_data(), 8, what + " (the sizes)");
    ctx_.copy_to_host(sizes.data(), size_buffer.raw_data(), 8 * world);
    std::int64_t largest = 1;
    for (const std::int64_t s : sizes) largest = std::max(largest, s);
    const auto stride = static_cast<std::size_t>((largest + 7) / 8 * 8);
    Tensor buffer = Tensor::zeros({static_cast<std::int64_t>(stride / 8 * world)}, DType::f64, device_);
    ctx_.copy_from_host(static_cast<std::byte*>(buffer.raw_data()) + stride * static_cast<std::size_t>(rank_),
                        bytes.data(), bytes.size());
    gather_device(buffer.raw_data(), stride, what);
    std::vector<std::byte> all(stride * world);
    ctx_.copy_to_host(all.data(), buffer.raw_data(), all.size());
    std::vector<std::vector<std::byte>> out;
    for (std::size_t r = 0; r < world; ++r) {
      const auto first = all.begin() + static_cast<std::ptrdiff_t>(stride * r);
      out.emplace_back(first, first + sizes[r]);
    }
    return out;
  }

  // Waits for the collectives started before the previous call (a step behind: the host keeps
  // one step queued ahead of the GPU).
  void check_progress() override {
    ++check_;
    while (!pending_.empty() && pending_.front().check + 1 < check_) {
      Pending& p = pending_.front();
      wait_event(p.done, p.what);
      cudaEventDestroy(p.done);
      pending_.pop_front();
    }
  }

  void abort(int exit_code) override {
    if (comm_ && !aborted_) {
      ncclCommAbort(comm_);
      aborted_ = true;
    }
    std::fflush(nullptr);
    std::_Exit(exit_code);  // the CUDA context may be unusable after an abort: no destructors
  }

 private:
  struct Pending {
    cudaEvent_t done;
    std::string what;
    std::int64_t check;  // the check_progress() calls before it was started
  };

  void check_on_device(const Tensor& t) const {
    PIGMENT_CHECK(t.is_cuda() && t.device().index() == device_.index(),
                  "NCCL carries tensors on {}, got one on {}", device_.str(), t.device().str());
  }

  // The communicator's stream waits for what the compute stream queued so far.
  void after_compute() {
    cudaEvent_t ready;
    PIGMENT_CUDA_CHECK(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming));
    PIGMENT_CUDA_CHECK(cudaEventRecord(ready, ctx_.stream()));
    PIGMENT_CUDA_CHECK(cudaStreamWaitEvent(stream_, ready, 0));
    PIGMENT_CUDA_CHECK(cudaEventDestroy(ready));  // released once the wait is resolved
  }

  cudaEvent_t record_done(const std::string& what) {
    cudaEvent_t done;
    PIGMENT_CUDA_CHECK(cudaEventCreateWithFlags(&done, cudaEventDisableTiming));
    PIGMENT_CUDA_CHECK(cudaEventRecord(done, stream_));
    pending_.push_back({done, what, check_});
    return done;
  }

  // A nonblocking communicator returns ncclInProgress until the call is enqueued (or initialised).
  void wait_for_comm(const std::string& what) {
    const auto start = Clock::now();
    for (;;) {
      ncclResult_t state = ncclSuccess;
      PIGMENT_NCCL_CHECK(ncclCommGetAsyncError(comm_, &state));
      if (state == ncclSuccess) return;
      if (state != ncclInProgress) fail(what, fmt::format("NCCL reports {}", ncclGetErrorString(state)));
      if (seconds_since(start) > timeout_) fail(what, fmt::format("no progress in {:.0f} s", timeout_));
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  }

  // The host waits for `done` against the deadline, checking NCCL's asynchronous error.
  void wait_event(cudaEvent_t done, const std::string& what) {
    const auto start = Clock::now();
    for (int polls = 0;; ++polls) {
      const cudaError_t q = cudaEventQuery(done);
      if (q == cudaSuccess) return;
      if (q != cudaErrorNotReady) PIGMENT_CUDA_CHECK(q);
      ncclResult_t state = ncclSuccess;
      PIGMENT_NCCL_CHECK(ncclCommGetAsyncError(comm_, &state));
      if (state != ncclSuccess && state != ncclInProgress)
        fail(what, fmt::format("NCCL reports {}", ncclGetErrorString(state)));
      if (seconds_since(start) > timeout_)
        fail(what, fmt::format("it did not complete in {:.0f} s: a rank died, hung or was stopped (NCCL cannot say "
                               "which; the rank that is alive and slow needs a longer --dist_timeout)", timeout_));
      if (polls > 100) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  void broadcast_device(void* data, std::size_t bytes, int root, const std::string& what) {
    after_compute();
    PIGMENT_NCCL_CHECK(ncclBroadcast(data, data, bytes, ncclUint8, root, comm_, stream_));
    wait_for_comm(what);
    synchronize_collective(what);
  }

  // Every rank's `bytes` at offset rank·bytes of `data`, gathered in place.
  void gather_device(void* data, std::size_t bytes, const std::string& what) {
    after_compute();
    void* mine = static_cast<std::byte*>(data) + bytes * static_cast<std::size_t>(rank_);
    PIGMENT_NCCL_CHECK(ncclAllGather(mine, data, bytes, ncclUint8, comm_, stream_));
    wait_for_comm(what);
    synchronize_collective(what);
  }

  // The host waits (with the watchdog) for a collective whose result it reads at once.
  void synchronize_collective(const std::string& what) {
    cudaEvent_t done;
    PIGMENT_CUDA_CHECK(cudaEventCreateWithFlags(&done, cudaEventDisableTiming));
    PIGMENT_CUDA_CHECK(cudaEventRecord(done, stream_));
    wait_event(done, what);
    cudaEventDestroy(done);
  }

  [[noreturn]] void fail(const std::string& what, const std::string& why) {
    if (!aborted_) {
      ncclCommAbort(comm_);
      aborted_ = true;
    }
    throw CommunicationError(fmt::format("rank {} in {}: {}. Stopping", rank_, what, why));
  }

  static double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

  Device device_;
  CudaContext& ctx_;
  int rank_, size_;
  double timeout_;
  std::shared_ptr<void> keep_alive_;
  cudaStream_t stream_ = nullptr;
  ncclComm_t comm_ = nullptr;
  bool aborted_ = false;
  std::deque<Pending> pending_;
  std::int64_t check_ = 0;
};

}  // namespace

std::vector<std::byte> new_nccl_id() {
  ncclUniqueId id{};
  PIGMENT_NCCL_CHECK(ncclGetUniqueId(&id));
  std::vector<std::byte> bytes(sizeof id);
  std::memcpy(bytes.data(), &id, sizeof id);
  return bytes;
}

std::unique_ptr<Communicator> make_nccl_communicator(const LaunchInfo& launch, const Device& device,
                                                     std::span<const std::byte> id, double timeout_seconds,
                                                     std::shared_ptr<void> keep_alive) {
  return std::make_unique<NcclCommunicator>(launch, device, id, timeout_seconds, std::move(keep_alive));
}

}  // namespace pigment::distributed
