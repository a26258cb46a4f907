// The SIMT harness's scheduler: every CUDA thread of a block is a fiber (Boost.Context's fcontext:
// a register switch, no system call), all fibers of a block run on one OS thread, and the block's
// fibers run in turn, each until it waits — at a __syncthreads or in a warp collective — or ends.
// When every live thread waits at one barrier the barrier opens; a warp collective completes when
// the last lane of its mask arrives. What cannot happen on a GPU fails loudly: a barrier that some
// threads reach after others ended or at another __syncthreads, a collective whose lanes disagree,
// threads that all wait with none able to go on.
//
// In ThreadSanitizer builds this file is compiled without instrumentation: TSan sees the kernels'
// own accesses, one TSan fiber per CUDA thread, and exactly the happens-before a CUDA program may
// rely on, announced here — __syncthreads, and the boundaries of a launch and of a block (blocks
// run one after another; their reuse of the same __shared__ storage is ordered so).
#include <boost/context/detail/fcontext.hpp>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <numeric>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "engine/error.h"
#include "engine/simt/harness.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define PIGMENT_SIMT_ASAN 1
#endif
#if defined(PIGMENT_SIMT_TSAN)
#include <sanitizer/tsan_interface.h>
#endif

namespace pigment::simt {

thread_local const ThreadCoordinates* t_thread = nullptr;
thread_local const BlockCoordinates* t_block = nullptr;

namespace {
namespace fctx = boost::context::detail;

enum class LaneState : std::uint8_t { ready, at_barrier, in_collective, done, faulted };

constexpr std::size_t kStackGuard = 4096;         // an unmapped page below each fiber stack
constexpr std::size_t kSharedGuardBytes = 256;    // after dynamic shared memory, checked per block
constexpr unsigned char kSharedGuardPattern = 0xA5;

std::size_t fiber_stack_bytes() {
  if (const char* kb = std::getenv("PIGMENT_SIMT_STACK_KB")) return std::strtoull(kb, nullptr, 10) << 10;
#if defined(PIGMENT_SIMT_ASAN) || defined(PIGMENT_SIMT_TSAN)
  return std::size_t{512} << 10;  // sanitizers' frames and redzones
#else
  return std::size_t{64} << 10;
#endif
}

struct Fiber {
  fctx::fcontext_t context = nullptr;
  char* stack = nullptr;  // lowest usable byte; the stack grows down from stack + size
  std::size_t size = 0;
  void* asan_fake_stack = nullptr;
  void* tsan_fiber = nullptr;
};

struct Lane {
  ThreadCoordinates coordinates{};
  int linear = 0;
  LaneState state = LaneState::ready;
  std::source_location barrier;  // where it waits, while at_barrier
};

struct Warp {
  int members = 0, arrived = 0;
  Collective kind{};
  Exchange exchange;
};

// Happens-before tokens (TSan builds): the two barrier generations in flight, and block entry/exit.
[[maybe_unused]] char barrier_token[2];
[[maybe_unused]] char block_start_token, block_exit_token;

// The state of one OS thread that runs blocks: fibers and stacks are kept and reused.
struct Worker {
  std::vector<Fiber> fibers;
  std::vector<Lane> lanes;
  std::vector<Warp> warps;
  std::vector<int> order;  // the order lanes are resumed in
  std::vector<unsigned char> dynamic_shared;
  BlockCoordinates block{};
  const LaunchConfig* config = nullptr;
  const SimtOptions* options = nullptr;
  const std::function<void()>* body = nullptr;
  Lane* running = nullptr;
  int live = 0, at_barrier = 0;
  unsigned barrier_generation = 0;
  std::uint64_t shuffle_state = 0;
  std::string fault;
  fctx::fcontext_t scheduler = nullptr;
  const void* scheduler_stack_bottom = nullptr;  // ASan: this OS thread's stack, learnt on first switch
  std::size_t scheduler_stack_size = 0;
  void* scheduler_tsan_fiber = nullptr;
  bool abandoned_fibers = false;  // a fault left fibers mid-kernel: ASan's view of their stacks is stale

  ~Worker() {
    for (Fiber& f : fibers) {
      munmap(f.stack - kStackGuard, f.size + kStackGuard);
#if defined(PIGMENT_SIMT_TSAN)
      if (f.tsan_fiber) __tsan_destroy_fiber(f.tsan_fiber);
#endif
    }
  }
};
thread_local Worker* t_worker = nullptr;

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

template <class T> void shuffle(std::vector<T>& v, std::uint64_t& state) {
  for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[splitmix64(state) % i]);
}

std::string where(const Worker& w, const Lane* lane) {
  const uint3 b = w.block.block_idx;
  std::string s = fmt::format("SIMT: kernel '{}', block ({},{},{})", w.config->name, b.x, b.y, b.z);
  if (lane) {
    const uint3 t = lane->coordinates.thread_idx;
    s += fmt::format(" thread ({},{},{})", t.x, t.y, t.z);
  }
  return s;
}

std::string site(const std::source_location& l) { return fmt::format("{}:{}", l.file_name(), l.line()); }

// ---- Switching between the scheduler and a lane's fiber -------------------------------------------------
void resume(Worker& w, int index) {
  Fiber& f = w.fibers[static_cast<std::size_t>(index)];
  w.running = &w.lanes[static_cast<std::size_t>(index)];
  t_thread = &w.running->coordinates;
#if defined(PIGMENT_SIMT_ASAN)
  void* fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, f.stack, f.size);
#endif
#if defined(PIGMENT_SIMT_TSAN)
  __tsan_switch_to_fiber(f.tsan_fiber, __tsan_switch_to_fiber_no_sync);
#endif
  f.context = fctx::jump_fcontext(f.context, nullptr).fctx;
#if defined(PIGMENT_SIMT_ASAN)
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
  w.running = nullptr;
  t_thread = nullptr;
}

void suspend(Worker& w, bool finished) {
  [[maybe_unused]] Fiber& f = w.fibers[static_cast<std::size_t>(w.running->linear)];
#if defined(PIGMENT_SIMT_ASAN)
  __sanitizer_start_switch_fiber(finished ? nullptr : &f.asan_fake_stack, w.scheduler_stack_bottom,
                                 w.scheduler_stack_size);
#else
  (void)finished;
#endif
#if defined(PIGMENT_SIMT_TSAN)
  __tsan_switch_to_fiber(w.scheduler_tsan_fiber, __tsan_switch_to_fiber_no_sync);
#endif
  w.scheduler = fctx::jump_fcontext(w.scheduler, nullptr).fctx;
#if defined(PIGMENT_SIMT_ASAN)
  __sanitizer_finish_switch_fiber(f.asan_fake_stack, nullptr, nullptr);
#endif
}

void lane_main(fctx::transfer_t from_scheduler) {
  Worker& w = *t_worker;
  w.scheduler = from_scheduler.fctx;
#if defined(PIGMENT_SIMT_ASAN)
  __sanitizer_finish_switch_fiber(nullptr, &w.scheduler_stack_bottom, &w.scheduler_stack_size);
#endif
#if defined(PIGMENT_SIMT_TSAN)
  __tsan_acquire(&block_start_token);  // the host's writes, and earlier blocks', happen before
#endif
  (*w.body)();
#if defined(PIGMENT_SIMT_TSAN)
  __tsan_release(&block_exit_token);
#endif
  w.running->state = LaneState::done;
  --w.live;
  suspend(w, true);
  std::abort();  // a finished fiber is never resumed
}

// ---- Blocks ---------------------------------------------------------------------------------------------
void ensure_fibers(Worker& w, int n) {
  while (static_cast<int>(w.fibers.size()) < n) {
    Fiber f;
    f.size = fiber_stack_bytes();
    void* p = mmap(nullptr, f.size + kStackGuard, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED) throw Error("SIMT: cannot map a fiber stack (out of address space)");
    mprotect(p, kStackGuard, PROT_NONE);  // an overflowing fiber faults instead of corrupting its neighbour
    f.stack = static_cast<char*>(p) + kStackGuard;
#if defined(PIGMENT_SIMT_TSAN)
    f.tsan_fiber = __tsan_create_fiber(0);
#endif
    w.fibers.push_back(f);
  }
  if (w.lanes.size() < w.fibers.size()) w.lanes.resize(w.fibers.size());
}

// Why no thread can go on: a barrier only some threads reach, or collectives that cannot complete.
[[noreturn]] void report_stuck(Worker& w, int n) {
  int barrier = 0, collective = 0, done = 0;
  const Lane* first_barrier = nullptr;
  const Lane* first_collective = nullptr;
  for (int i = 0; i < n; ++i) {
    const Lane& l = w.lanes[static_cast<std::size_t>(i)];
    if (l.state == LaneState::at_barrier) {
      ++barrier;
      if (!first_barrier) first_barrier = &l;
    } else if (l.state == LaneState::in_collective) {
      ++collective;
      if (!first_collective) first_collective = &l;
    } else if (l.state == LaneState::done) {
      ++done;
    }
  }
  if (collective == 0)
    throw Error(fmt::format("{}: __syncthreads at {} reached by {} of {} threads; the other {} had returned (a "
                            "barrier in divergent code)",
                            where(w, first_barrier), site(first_barrier->barrier), barrier, n, done));
  throw Error(fmt::format("{}: deadlock: {} threads wait in a warp collective (shuffle or mma) that cannot complete, "
                          "{} at __syncthreads{}, {} returned (a collective in divergent code, or a mask naming "
                          "threads that never come)",
                          where(w, first_collective), collective, barrier,
                          first_barrier ? " (" + site(first_barrier->barrier) + ")" : std::string(), done));
}

void open_barrier(Worker& w, int n) {
  const Lane* first = nullptr;
  for (int i = 0; i < n; ++i) {
    const Lane& l = w.lanes[static_cast<std::size_t>(i)];
    if (!first) {
      first = &l;
    } else if (l.barrier.line() != first->barrier.line() ||
               std::string_view(l.barrier.file_name()) != first->barrier.file_name()) {
      throw Error(fmt::format("{}: the block's threads wait at different __syncthreads: {} and, for thread ({},{},{}), "
                              "{} (barriers in divergent code)",
                              where(w, first), site(first->barrier), l.coordinates.thread_idx.x,
                              l.coordinates.thread_idx.y, l.coordinates.thread_idx.z, site(l.barrier)));
    }
  }
  for (int i = 0; i < n; ++i) w.lanes[static_cast<std::size_t>(i)].state = LaneState::ready;
  w.at_barrier = 0;
  ++w.barrier_generation;
}

void run_block(Worker& w) {
  const dim3 bd = w.block.block_dim;
  const int n = static_cast<int>(bd.x * bd.y * bd.z);
  ensure_fibers(w, n);
#if defined(PIGMENT_SIMT_ASAN)
  if (w.abandoned_fibers)
    for (Fiber& f : w.fibers) ASAN_UNPOISON_MEMORY_REGION(f.stack, f.size);  // frames that never returned
#endif
  w.abandoned_fibers = false;
  const int warps = (n + 31) / 32;
  w.warps.assign(static_cast<std::size_t>(warps), Warp{});
  for (int i = 0; i < warps; ++i) w.warps[static_cast<std::size_t>(i)].members = std::min(32, n - 32 * i);
  // Dynamic shared memory starts as NaN (0xFF bytes) and ends in a guard pattern (an ASan redzone).
  const std::size_t shared_bytes = w.config->dynamic_shared_bytes;
#if defined(PIGMENT_SIMT_ASAN)
  ASAN_UNPOISON_MEMORY_REGION(w.dynamic_shared.data(), w.dynamic_shared.size());
#endif
  std::memset(w.dynamic_shared.data(), 0xFF, shared_bytes);
  std::memset(w.dynamic_shared.data() + shared_bytes, kSharedGuardPattern, kSharedGuardBytes);
#if defined(PIGMENT_SIMT_ASAN)
  ASAN_POISON_MEMORY_REGION(w.dynamic_shared.data() + shared_bytes, kSharedGuardBytes);
#endif
  for (int i = 0; i < n; ++i) {
    Lane& l = w.lanes[static_cast<std::size_t>(i)];
    const unsigned u = static_cast<unsigned>(i);
    l.coordinates.thread_idx = uint3{u % bd.x, (u / bd.x) % bd.y, u / (bd.x * bd.y)};
    l.linear = i;
    l.state = LaneState::ready;
    Fiber& f = w.fibers[static_cast<std::size_t>(i)];
    f.context = fctx::make_fcontext(f.stack + f.size, f.size, lane_main);
  }
  w.order.resize(static_cast<std::size_t>(n));
  std::iota(w.order.begin(), w.order.end(), 0);
  if (w.options->block_order == BlockOrder::reverse) std::reverse(w.order.begin(), w.order.end());
  w.live = n;
  w.at_barrier = 0;
  w.fault.clear();
  t_block = &w.block;
#if defined(PIGMENT_SIMT_TSAN)
  __tsan_release(&block_start_token);
#endif
  try {
    while (w.live > 0) {
      // Between barriers the threads of a block may run in any interleaving; a shuffled order runs
      // a different one each round.
      if (w.options->block_order == BlockOrder::shuffle) shuffle(w.order, w.shuffle_state);
      bool progressed = false;
      for (int i : w.order) {
        if (w.lanes[static_cast<std::size_t>(i)].state != LaneState::ready) continue;
        resume(w, i);
        progressed = true;
        if (!w.fault.empty()) throw Error(w.fault);
      }
      if (w.live == 0) break;
      if (w.at_barrier == w.live) {
        if (w.live != n) report_stuck(w, n);
        open_barrier(w, n);
      } else if (!progressed) {
        report_stuck(w, n);
      }
    }
  } catch (...) {
    w.abandoned_fibers = true;  // the block's fibers are never resumed
    throw;
  }
#if defined(PIGMENT_SIMT_TSAN)
  __tsan_acquire(&block_exit_token);
#endif
#if defined(PIGMENT_SIMT_ASAN)
  ASAN_UNPOISON_MEMORY_REGION(w.dynamic_shared.data() + shared_bytes, kSharedGuardBytes);
#endif
  for (std::size_t i = 0; i < kSharedGuardBytes; ++i)
    if (w.dynamic_shared[shared_bytes + i] != kSharedGuardPattern)
      throw Error(fmt::format("{}: a thread wrote {} bytes past the end of the block's {} bytes of dynamic shared "
                              "memory",
                              where(w, nullptr), i + 1, shared_bytes));
  t_block = nullptr;
}

void check_configuration(const LaunchConfig& c) {
  const std::uint64_t threads = std::uint64_t{c.block.x} * c.block.y * c.block.z;
  if (threads == 0 || threads > 1024 || c.block.x > 1024 || c.block.y > 1024 || c.block.z > 64 || c.grid.x == 0 ||
      c.grid.y == 0 || c.grid.z == 0 || c.grid.x > 0x7FFFFFFFu || c.grid.y > 65535 || c.grid.z > 65535)
    throw Error(fmt::format("SIMT: kernel '{}' launched with grid ({},{},{}) and block ({},{},{}): "
                            "cudaErrorInvalidConfiguration (at most 1024 threads per block, block.z ≤ 64, grid.y and "
                            "grid.z ≤ 65535, none zero)",
                            c.name, c.grid.x, c.grid.y, c.grid.z, c.block.x, c.block.y, c.block.z));
  if (c.dynamic_shared_bytes > 48 * 1024)
    throw Error(fmt::format("SIMT: kernel '{}' asks for {} bytes of dynamic shared memory: more than 48 KiB needs "
                            "cudaFuncSetAttribute(cudaFuncAttributeMaxDynamicSharedMemorySize), which no launch sets",
                            c.name, c.dynamic_shared_bytes));
}

// Runs the blocks whose linear index comes from next() until it returns false, on this OS thread.
template <class Next>
void run_blocks(const LaunchConfig& config, const SimtOptions& options, const std::function<void()>& body,
                std::uint64_t seed, Next next) {
  thread_local Worker worker;  // lives as long as the thread: fibers and stacks are reused
  Worker& w = worker;
  t_worker = &w;
  w.config = &config;
  w.options = &options;
  w.body = &body;
  w.shuffle_state = seed;
  w.block.block_dim = config.block;
  w.block.grid_dim = config.grid;
#if defined(PIGMENT_SIMT_ASAN)
  ASAN_UNPOISON_MEMORY_REGION(w.dynamic_shared.data(), w.dynamic_shared.size());  // a block that faulted left it poisoned
#endif
  w.dynamic_shared.resize(config.dynamic_shared_bytes + kSharedGuardBytes);
  w.block.dynamic_shared = config.dynamic_shared_bytes ? w.dynamic_shared.data() : nullptr;
#if defined(PIGMENT_SIMT_TSAN)
  w.scheduler_tsan_fiber = __tsan_get_current_fiber();
#endif
  struct Reset {
    ~Reset() {
      t_worker = nullptr;
      t_block = nullptr;
      t_thread = nullptr;
    }
  } reset;
  const dim3 g = config.grid;
  for (std::uint64_t b; next(b);) {
    w.block.block_idx = uint3{static_cast<unsigned>(b % g.x), static_cast<unsigned>((b / g.x) % g.y),
                              static_cast<unsigned>(b / (std::uint64_t{g.x} * g.y))};
    run_block(w);
  }
}
}  // namespace

// ---- Kernel-side primitives -------------------------------------------------------------------------------
void fail(std::string message) {
  Worker& w = *t_worker;
  {  // every string of this frame is released before the fiber is abandoned
    const std::string text = std::move(message);
    w.fault = where(w, w.running) + ": " + text;
  }
  w.running->state = LaneState::faulted;
  suspend(w, false);
  std::abort();  // a faulted fiber is never resumed
}

const SimtOptions& current_options() { return *t_worker->options; }

uint3 thread_idx_uninstrumented() { return t_thread->thread_idx; }
uint3 block_idx_uninstrumented() { return t_block->block_idx; }
dim3 block_dim_uninstrumented() { return t_block->block_dim; }
dim3 grid_dim_uninstrumented() { return t_block->grid_dim; }
void* dynamic_shared_uninstrumented() { return t_block->dynamic_shared; }

void syncthreads(std::source_location at) {
  Worker& w = *t_worker;
  if (!w.running) throw Error("__syncthreads called outside a kernel");
#if defined(PIGMENT_SIMT_TSAN)
  char* token = &barrier_token[w.barrier_generation & 1];
  __tsan_release(token);
#endif
  w.running->state = LaneState::at_barrier;
  w.running->barrier = at;
  ++w.at_barrier;
  suspend(w, false);
#if defined(PIGMENT_SIMT_TSAN)
  __tsan_acquire(token);
#endif
}

const std::uint32_t* collective(Collective kind, unsigned mask, int param, const std::uint32_t* words, int count,
                                void (*compute)(Exchange&)) {
  Worker& w = *t_worker;
  Lane& lane = *w.running;
  Warp& warp = w.warps[static_cast<std::size_t>(lane.linear / 32)];
  const int l = lane.linear % 32;
  if (!((mask >> l) & 1u)) fail(fmt::format("a warp collective called with mask {:#010x}, which leaves this lane out", mask));
  if (warp.members < 32 && (mask >> warp.members) != 0u)
    fail(fmt::format("a warp collective's mask {:#010x} names lanes past the last of this {}-thread warp", mask,
                     warp.members));
  if (warp.arrived == 0) {
    warp.kind = kind;
    warp.exchange.mask = mask;
    warp.exchange.param = param;
  } else if (warp.kind != kind || warp.exchange.mask != mask || warp.exchange.param != param) {
    fail(fmt::format("the lanes of a warp are in different collectives (mask {:#010x} / {:#010x}, parameter {} / {}): "
                     "divergent code",
                     warp.exchange.mask, mask, warp.exchange.param, param));
  }
  std::memcpy(warp.exchange.in[l], words, sizeof(std::uint32_t) * static_cast<std::size_t>(count));
  if (++warp.arrived == std::popcount(mask)) {
    compute(warp.exchange);
    warp.arrived = 0;
    for (int i = 0; i < warp.members; ++i) {
      Lane& other = w.lanes[static_cast<std::size_t>(lane.linear - l + i)];
      if (other.state == LaneState::in_collective) other.state = LaneState::ready;
    }
  } else {
    lane.state = LaneState::in_collective;
    suspend(w, false);
  }
  return warp.exchange.out[l];
}

std::uint32_t shfl_xor(unsigned mask, std::uint32_t bits, int lane_mask, int width) {
  if (width != 32) fail(fmt::format("__shfl_xor_sync with width {}: only 32 is emulated", width));
  return collective(Collective::shuffle_xor, mask, lane_mask, &bits, 1, [](Exchange& e) {
    for (int l = 0; l < 32; ++l) {
      if (!((e.mask >> l) & 1u)) continue;
      const int source = l ^ e.param;
      // Reading a lane outside the mask is undefined on a GPU: the harness refuses it.
      if (source > 31 || !((e.mask >> source) & 1u)) fail("__shfl_xor_sync reads a lane outside its mask");
      e.out[l][0] = e.in[source][0];
    }
  })[0];
}

// ---- The launch ----------------------------------------------------------------------------------------------
void run_grid(const LaunchConfig& config, const std::function<void()>& body) {
  if (t_worker) throw Error(fmt::format("SIMT: kernel '{}' launched from inside a kernel", config.name));
  check_configuration(config);
  const SimtOptions& options = stream_options(config.stream);
  const std::uint64_t launch = next_launch_number(config.stream);
  std::uint64_t seed_state = options.shuffle_seed ^ (launch * 0xD1B54A32D192ED03ull);
  const std::uint64_t seed = splitmix64(seed_state);
  const std::uint64_t blocks = std::uint64_t{config.grid.x} * config.grid.y * config.grid.z;

  std::vector<std::uint64_t> order;  // the block order, when it is not the plain one
  if (options.block_order != BlockOrder::in_order) {
    order.resize(blocks);
    std::iota(order.begin(), order.end(), std::uint64_t{0});
    if (options.block_order == BlockOrder::reverse) std::reverse(order.begin(), order.end());
    else shuffle(order, seed_state);
  }
  auto block_at = [&](std::uint64_t i) { return order.empty() ? i : order[i]; };

  int workers = options.workers;
#if defined(PIGMENT_SIMT_TSAN)
  workers = 1;  // TSan tracks fibers of one OS thread: blocks must not overlap
#endif
  if (workers <= 1 || blocks == 1) {
    std::uint64_t i = 0;
    run_blocks(config, options, body, seed, [&](std::uint64_t& b) {
      if (i >= blocks) return false;
      b = block_at(i++);
      return true;
    });
    return;
  }
  std::atomic<std::uint64_t> next{0};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(workers));
  std::vector<std::thread> pool;
  for (int t = 0; t < workers; ++t)
    pool.emplace_back([&, t] {
      try {
        run_blocks(config, options, body, seed + static_cast<std::uint64_t>(t), [&](std::uint64_t& b) {
          const std::uint64_t i = next.fetch_add(1);
          if (i >= blocks) return false;
          b = block_at(i);
          return true;
        });
      } catch (...) {
        errors[static_cast<std::size_t>(t)] = std::current_exception();
        next.store(blocks);  // the others stop after their current block
      }
    });
  for (std::thread& t : pool) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace pigment::simt
