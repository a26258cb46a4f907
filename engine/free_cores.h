#pragma once
// The CPU backend's thread count follows the cores actually free (issue 12).
//
// Why: the CPU kernels split each product and loop over OpenMP threads, and libgomp's threads spin
// while they wait for the next parallel region. Alone on the machine that is the fastest choice;
// with another busy process on the same cores, a spinning or descheduled thread holds every region
// up, and a step ran 3–4× slower (measured: bench/compare_cpu_contention.py). Passive waits
// (OMP_WAIT_POLICY=passive) halve that loss but cost 15–40% when the machine is free, and libgomp
// reads them only at load. So the context re-estimates, every kInterval, how many cores are free to
// this process — the idle time of the cores it may run on plus its own CPU time, per wall second —
// and runs the next ops on that many threads (at least 1, at most OMP_NUM_THREADS or the cores it
// may use). Results do not depend on the thread count: every GEMM element and every loop index is
// computed in the same order by whichever thread runs it. PIGMENT_CPU_THREADS=fixed keeps the
// count at its ceiling (the behaviour before, for comparison: bench/compare_cpu_contention.py),
// PIGMENT_CPU_THREADS=N at N.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>
#include <vector>

namespace pigment {

struct CpuTimes {
  double wall_seconds = 0;       // steady clock
  double idle_core_seconds = 0;  // idle + iowait of the cores this process may run on, summed (-1: unknown)
  double own_cpu_seconds = 0;    // this process's CPU time, every thread
};

// Sums idle + iowait (fields 4 and 5, in USER_HZ ticks) of the "cpuN" lines of /proc/stat text
// whose N is in `cpus`, in seconds; -1 when no such line could be read. Other lines are skipped.
double idle_core_seconds(std::string_view proc_stat, const std::vector<int>& cpus, double ticks_per_second);

// Cores free to this process between two samples: (idle core-seconds + own CPU seconds) / wall seconds.
double free_cores_between(const CpuTimes& earlier, const CpuTimes& later);

// The thread count for `free` free cores: rounded to the nearest whole core, in [1, max_threads].
int threads_for_free_cores(double free, int max_threads);

// The cores this process may run on (its affinity mask) and the default ceiling: OMP_NUM_THREADS's
// first number if set, else their count.
std::vector<int> allowed_cpus();
int default_max_threads();

class FreeCoreFollower {
 public:
  static constexpr std::chrono::milliseconds kInterval{200};

  explicit FreeCoreFollower(int max_threads = default_max_threads());
  // The thread count for the next op; re-estimated when kInterval has passed since the last
  // estimate. Safe to call from several threads (one of them re-estimates, the others read).
  int threads();
  int max_threads() const { return max_threads_; }

 private:
  CpuTimes sample() const;

  int max_threads_;
  std::vector<int> cpus_;
  std::mutex mutex_;
  CpuTimes last_{};
  std::atomic<int> threads_;
  std::atomic<std::int64_t> next_estimate_ns_{0};
};

}  // namespace pigment
