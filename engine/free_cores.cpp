#include "engine/free_cores.h"

#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace pigment {

double idle_core_seconds(std::string_view proc_stat, const std::vector<int>& cpus, double ticks_per_second) {
  double ticks = 0;
  bool matched = false;
  std::size_t start = 0;
  while (start < proc_stat.size()) {
    std::size_t end = proc_stat.find('\n', start);
    if (end == std::string_view::npos) end = proc_stat.size();
    std::string_view line = proc_stat.substr(start, end - start);
    start = end + 1;
    // "cpuN user nice system idle iowait irq softirq steal …"; the first line, "cpu ", is the total.
    if (line.size() < 4 || !line.starts_with("cpu") || line[3] < '0' || line[3] > '9') continue;
    int cpu = -1;
    const char* p = line.data() + 3;
    const char* last = line.data() + line.size();
    auto [q, ec] = std::from_chars(p, last, cpu);
    if (ec != std::errc() || std::find(cpus.begin(), cpus.end(), cpu) == cpus.end()) continue;
    std::uint64_t field[5] = {};
    bool complete = true;
    for (auto& f : field) {
      while (q < last && *q == ' ') ++q;
      auto [next, err] = std::from_chars(q, last, f);
      if (err != std::errc()) {
        complete = false;
        break;
      }
      q = next;
    }
    if (complete) {
      ticks += static_cast<double>(field[3] + field[4]);  // idle + iowait
      matched = true;
    }
  }
  return matched ? ticks / ticks_per_second : -1;
}

double free_cores_between(const CpuTimes& earlier, const CpuTimes& later) {
  const double wall = later.wall_seconds - earlier.wall_seconds;
  if (wall <= 0) return 0;
  const double idle = later.idle_core_seconds - earlier.idle_core_seconds;
  const double own = later.own_cpu_seconds - earlier.own_cpu_seconds;
  return std::max(0.0, (idle + own) / wall);
}

int threads_for_free_cores(double free, int max_threads) {
  return std::clamp(static_cast<int>(std::floor(free + 0.5)), 1, std::max(1, max_threads));
}

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int i = 0; i < CPU_SETSIZE; ++i)
      if (CPU_ISSET(i, &set)) cpus.push_back(i);
  }
  if (cpus.empty())
    for (long i = 0, n = sysconf(_SC_NPROCESSORS_ONLN); i < n; ++i) cpus.push_back(static_cast<int>(i));
  return cpus;
}

int default_max_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {  // "4" or "4,2": the outermost level
    int n = 0;
    const auto [p, ec] = std::from_chars(env, env + std::char_traits<char>::length(env), n);
    if (ec == std::errc() && n > 0) return n;
  }
  return static_cast<int>(allowed_cpus().size());
}

FreeCoreFollower::FreeCoreFollower(int max_threads)
    : max_threads_(std::max(1, max_threads)), cpus_(allowed_cpus()), threads_(max_threads_) {}

CpuTimes FreeCoreFollower::sample() const {
  CpuTimes t;
  t.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  timespec cpu{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu) == 0) t.own_cpu_seconds = static_cast<double>(cpu.tv_sec) + static_cast<double>(cpu.tv_nsec) * 1e-9;
  std::ifstream stat("/proc/stat");
  const std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  t.idle_core_seconds = idle_core_seconds(text, cpus_, static_cast<double>(sysconf(_SC_CLK_TCK)));
  return t;
}

int FreeCoreFollower::threads() {
  if (max_threads_ == 1) return 1;
  const std::int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now().time_since_epoch()).count();
  if (now >= next_estimate_ns_.load(std::memory_order_relaxed)) {
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (lock.owns_lock() && now >= next_estimate_ns_.load(std::memory_order_relaxed)) {
      const CpuTimes current = sample();
      // The first sample only starts the window; with /proc/stat unreadable the count stays.
      if (last_.wall_seconds > 0 && last_.idle_core_seconds >= 0 && current.idle_core_seconds >= 0)
        threads_.store(threads_for_free_cores(free_cores_between(last_, current), max_threads_),
                       std::memory_order_relaxed);
      last_ = current;
      next_estimate_ns_.store(now + std::chrono::duration_cast<std::chrono::nanoseconds>(kInterval).count(),
                              std::memory_order_relaxed);
    }
  }
  return threads_.load(std::memory_order_relaxed);
}

}  // namespace pigment
