// MPI communicator. Every collective is nonblocking (MPI-3) and waited for by polling MPI_Test
// against a deadline, so a dead or stopped rank cannot hang the others: the first to time out
// prints what it waited for and calls MPI_Abort, which ends every rank.
//
// Naming the rank that hangs: before each collective, every rank other than 0 sends rank 0 the
// collective's sequence number on a separate communicator (one small eager message), and while it
// waits in a collective it sends one every second (a heartbeat). Rank 0 reads them while it waits,
// and when it times out it names the ranks whose last arrival is older than the collective it is
// stuck in (they never reached it) and those that reached it but fell silent (stopped or hung
// inside it). The others wait a quarter longer, so that rank 0, which knows, speaks first; when
// rank 0 itself is the one stopped, the others' message says so.
#include "engine/distributed/mpi_communicator.h"

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <deque>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pigment::distributed {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kArrivalTag = 7;
constexpr auto kHeartbeat = std::chrono::seconds(1);
constexpr std::size_t kChunkBytes = std::size_t{1} << 30;  // MPI counts are int: big buffers go in pieces

void check_mpi(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  throw CommunicationError(fmt::format("{} failed: {}", call, std::string(text, static_cast<std::size_t>(length))));
}

class MpiCommunicator;

class MpiWork final : public Work {
 public:
  MpiWork(MpiCommunicator& comm, MPI_Request request, std::string what)
      : comm_(comm), request_(request), what_(std::move(what)) {}
  ~MpiWork() override;
  void wait() override;

 private:
  MpiCommunicator& comm_;
  MPI_Request request_;
  std::string what_;
};

class MpiCommunicator final : public Communicator {
 public:
  MpiCommunicator(const LaunchInfo& launch, const Device& device, double timeout_seconds)
      : device_(device), timeout_(std::chrono::duration<double>(timeout_seconds)) {
    PIGMENT_CHECK(device.is_cpu(), "the MPI backend carries host buffers, but the device is {}: GPUs communicate over "
                  "NCCL (a build with CUDA and NCCL)", device.str());
    int initialized = 0;
    MPI_Initialized(&initialized);
    if (!initialized) {
      int provided = 0;
      check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      owns_mpi_ = true;
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    check_mpi(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
    check_mpi(MPI_Comm_dup(MPI_COMM_WORLD, &control_), "MPI_Comm_dup");
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
    PIGMENT_CHECK(rank_ == launch.rank && size_ == launch.world_size,
                  "MPI says rank {} of {}, the launcher's variables rank {} of {}: start every rank with the same "
                  "mpirun", rank_, size_, launch.rank, launch.world_size);
    arrived_.assign(static_cast<std::size_t>(size_), 0);
    last_heard_.assign(static_cast<std::size_t>(size_), Clock::now());
  }

  ~MpiCommunicator() override {
    for (auto& [request, value] : sends_) MPI_Request_free(&request);
    MPI_Comm_free(&control_);
    MPI_Comm_free(&comm_);
    if (owns_mpi_) MPI_Finalize();
  }

  int rank() const override { return rank_; }
  int world_size() const override { return size_; }
  std::string backend() const override { return "mpi"; }
  const Device& device() const override { return device_; }

  std::unique_ptr<Work> all_reduce_sum(const Tensor& t, const std::string& what) override {
    PIGMENT_CHECK(t.is_cpu(), "the MPI backend carries host tensors, got one on {}", t.device().str());
    PIGMENT_CHECK(t.numel() <= INT_MAX, "MPI all-reduce of {} values: at most {} at once", t.numel(), INT_MAX);
    const MPI_Datatype type = t.dtype() == DType::f64 ? MPI_DOUBLE : MPI_FLOAT;
    arrive();
    MPI_Request request;
    check_mpi(MPI_Iallreduce(MPI_IN_PLACE, t.raw_data(), static_cast<int>(t.numel()), type, MPI_SUM, comm_, &request),
              "MPI_Iallreduce");
    return std::make_unique<MpiWork>(*this, request, what);
  }

  void broadcast(const Tensor& t, int root, const std::string& what) override {
    PIGMENT_CHECK(t.is_cpu(), "the MPI backend carries host tensors, got one on {}", t.device().str());
    broadcast_raw(static_cast<std::byte*>(t.raw_data()), t.nbytes(), root, what);
  }

  std::vector<std::byte> broadcast_bytes(std::span<const std::byte> bytes, int root, const std::string& what) override {
    std::int64_t size = static_cast<std::int64_t>(bytes.size());
    broadcast_raw(reinterpret_cast<std::byte*>(&size), sizeof size, root, what + " (its size)");
    std::vector<std::byte> out(static_cast<std::size_t>(size));
    if (rank_ == root) std::copy(bytes.begin(), bytes.end(), out.begin());
    broadcast_raw(out.data(), out.size(), root, what);
    return out;
  }

  std::vector<std::vector<std::byte>> all_gather_bytes(std::span<const std::byte> bytes,
                                                       const std::string& what) override {
    std::vector<std::int64_t> sizes(static_cast<std::size_t>(size_));
    const auto mine = static_cast<std::int64_t>(bytes.size());
    arrive();
    MPI_Request request;
    check_mpi(MPI_Iallgather(&mine, 1, MPI_INT64_T, sizes.data(), 1, MPI_INT64_T, comm_, &request), "MPI_Iallgather");
    wait(request, what + " (the sizes)");
    std::vector<int> counts, displacements;
    std::int64_t total = 0;
    for (const std::int64_t s : sizes) {
      displacements.push_back(static_cast<int>(total));
      counts.push_back(static_cast<int>(s));
      total += s;
    }
    PIGMENT_CHECK(total <= INT_MAX, "{}: {} bytes from every rank together, more than one MPI gather carries", what,
                  total);
    std::vector<std::byte> all(static_cast<std::size_t>(total));
    arrive();
    check_mpi(MPI_Iallgatherv(bytes.data(), static_cast<int>(mine), MPI_BYTE, all.data(), counts.data(),
                              displacements.data(), MPI_BYTE, comm_, &request),
              "MPI_Iallgatherv");
    wait(request, what);
    std::vector<std::vector<std::byte>> out;
    for (std::size_t r = 0; r < sizes.size(); ++r) {
      const auto first = all.begin() + displacements[r];
      out.emplace_back(first, first + counts[r]);
    }
    return out;
  }

  void abort(int exit_code) override { MPI_Abort(MPI_COMM_WORLD, exit_code); }

  // Polls `request` until it completes or the deadline passes (then throws, naming what hangs).
  void wait(MPI_Request& request, const std::string& what) {
    const auto start = Clock::now();
    const auto limit = rank_ == 0 ? timeout_ : timeout_ * 1.25;
    auto next_heartbeat = start + kHeartbeat;
    for (;;) {
      int done = 0;
      check_mpi(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
      if (done) return;
      if (rank_ == 0) read_arrivals();
      if (rank_ != 0 && Clock::now() >= next_heartbeat) {
        send_to_rank0(sequence_);  // "still here, waiting in collective #sequence_"
        next_heartbeat += kHeartbeat;
      }
      const auto waited = Clock::now() - start;
      if (waited > limit) throw CommunicationError(timeout_message(what, waited));
      // Open MPI moves a nonblocking collective's data only inside MPI calls, so the poll must be
      // frequent: a large all-reduce needs hundreds of progress steps (polled every millisecond, a
      // 44 MB all-reduce took 8× the step). The first second spins, yielding the core (what Open MPI's
      // own blocking waits do when oversubscribed); a longer wait — a peer still computing or
      // saving — sleeps 50 µs between polls.
      if (waited < std::chrono::seconds(1)) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(50));
      }
    }
  }

 private:
  // Another collective begins: rank 0 is told (see the top of this file).
  void arrive() {
    ++sequence_;
    if (rank_ == 0) {
      read_arrivals();
      return;
    }
    send_to_rank0(sequence_);
  }

  void send_to_rank0(std::int64_t sequence) {
    while (!sends_.empty()) {  // completed sends are retired; their buffers live in the deque until then
      int done = 0;
      MPI_Test(&sends_.front().first, &done, MPI_STATUS_IGNORE);
      if (!done) break;
      sends_.pop_front();
    }
    sends_.emplace_back(MPI_REQUEST_NULL, sequence);
    check_mpi(MPI_Isend(&sends_.back().second, 1, MPI_INT64_T, 0, kArrivalTag, control_, &sends_.back().first),
              "MPI_Isend");
  }

  void read_arrivals() {
    for (;;) {
      int pending = 0;
      MPI_Status status;
      MPI_Iprobe(MPI_ANY_SOURCE, kArrivalTag, control_, &pending, &status);
      if (!pending) return;
      std::int64_t sequence = 0;
      MPI_Recv(&sequence, 1, MPI_INT64_T, status.MPI_SOURCE, kArrivalTag, control_, MPI_STATUS_IGNORE);
      auto& last = arrived_[static_cast<std::size_t>(status.MPI_SOURCE)];
      last = std::max(last, sequence);
      last_heard_[static_cast<std::size_t>(status.MPI_SOURCE)] = Clock::now();
    }
  }

  std::string timeout_message(const std::string& what, Clock::duration waited) const {
    const double seconds = std::chrono::duration<double>(waited).count();
    if (rank_ != 0)
      return fmt::format("rank {} waited {:.0f} s in {} (collective #{}) and the other ranks never completed it; rank "
                         "0 names the rank that hangs unless it is rank 0 itself that hangs, died or was stopped. "
                         "Stopping every rank (a rank that is only slow needs a longer --dist_timeout)",
                         rank_, seconds, what, sequence_);
    std::vector<int> missing, silent;
    const auto now = Clock::now();
    for (int r = 1; r < size_; ++r) {
      const auto i = static_cast<std::size_t>(r);
      if (arrived_[i] < sequence_)
        missing.push_back(r);
      else if (now - last_heard_[i] > 3 * kHeartbeat)
        silent.push_back(r);
    }
    auto ranks = [](const std::vector<int>& v) { return fmt::format("rank{} {}", v.size() > 1 ? "s" : "", fmt::join(v, ", ")); };
    std::string who;
    if (!missing.empty())
      who = ranks(missing) + " never reached it (hung, stopped, or slower than --dist_timeout)";
    if (!silent.empty())
      who += (who.empty() ? "" : "; ") + ranks(silent) + " reached it and then fell silent (stopped or hung inside it)";
    if (who.empty()) who = "every rank reached it and is waiting, but it did not complete (a transport fault)";
    return fmt::format("rank 0 waited {:.0f} s in {} (collective #{}): {}. Stopping every rank", seconds, what,
                       sequence_, who);
  }

  // Every rank knows `bytes` (a size broadcast first, or a tensor's): nothing to send is no
  // collective on any rank.
  void broadcast_raw(std::byte* data, std::size_t bytes, int root, const std::string& what) {
    for (std::size_t first = 0; first < bytes; first += kChunkBytes) {
      const std::size_t n = std::min(kChunkBytes, bytes - first);
      arrive();
      MPI_Request request;
      check_mpi(MPI_Ibcast(data + first, static_cast<int>(n), MPI_BYTE, root, comm_, &request), "MPI_Ibcast");
      wait(request, what);
    }
  }

  Device device_;
  std::chrono::duration<double> timeout_;
  bool owns_mpi_ = false;
  MPI_Comm comm_ = MPI_COMM_NULL, control_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1;
  std::int64_t sequence_ = 0;          // collectives started by this rank
  std::vector<std::int64_t> arrived_;  // rank 0: the last collective each rank announced
  std::vector<Clock::time_point> last_heard_;  // rank 0: when each rank last sent anything
  std::deque<std::pair<MPI_Request, std::int64_t>> sends_;
};

MpiWork::~MpiWork() {
  // A Work dropped unwaited (an exception between start and wait) must not leave MPI writing into
  // a buffer that goes away: the request is waited for (bounded by the timeout as always).
  if (request_ != MPI_REQUEST_NULL) {
    try {
      comm_.wait(request_, what_);
    } catch (...) {
    }
  }
}

void MpiWork::wait() {
  if (request_ == MPI_REQUEST_NULL) return;
  comm_.wait(request_, what_);
  request_ = MPI_REQUEST_NULL;
}

}  // namespace

std::unique_ptr<Communicator> make_mpi_communicator(const LaunchInfo& launch, const Device& device,
                                                    double timeout_seconds) {
  return std::make_unique<MpiCommunicator>(launch, device, timeout_seconds);
}

std::shared_ptr<void> mpi_session() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) return nullptr;
  int provided = 0;
  check_mpi(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  return std::shared_ptr<void>(nullptr, [](void*) { MPI_Finalize(); });
}

std::vector<std::byte> mpi_broadcast_from_rank0(std::span<const std::byte> bytes) {
  std::vector<std::byte> out(bytes.begin(), bytes.end());
  std::int64_t size = static_cast<std::int64_t>(out.size());
  check_mpi(MPI_Bcast(&size, 1, MPI_INT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
  out.resize(static_cast<std::size_t>(size));
  check_mpi(MPI_Bcast(out.data(), static_cast<int>(size), MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast");
  return out;
}

}  // namespace pigment::distributed
