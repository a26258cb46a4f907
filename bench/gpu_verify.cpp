#include "bench/gpu_verify.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "engine/device.h"

namespace pigment::bench {

VerifyOptions take_verify_options(int& argc, char** argv) {
  VerifyOptions v;
  v.on = kSimtBuild;
  v.scale = kSimtBuild ? 8 : 1;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--verify") {
      v.on = true;
    } else if (arg.starts_with("--verify_scale=")) {
      v.scale = std::max(1, std::atoi(arg.c_str() + 15));
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return v;
}

double relative_error(const Tensor& got, const Tensor& want) {
  if (got.shape() != want.shape()) return std::numeric_limits<double>::infinity();
  const std::vector<double> a = got.to_vector<double>(), b = want.to_vector<double>();
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!std::isfinite(a[i])) return std::numeric_limits<double>::infinity();
    diff = std::max(diff, std::fabs(a[i] - b[i]));
    scale = std::max(scale, std::fabs(b[i]));
  }
  return scale > 0 ? diff / scale : diff;
}

void report_verification(benchmark::State& state, double error, double tolerance) {
  state.counters["verify_error"] = error;
  state.counters["verify_tolerance"] = tolerance;
  if (!(error <= tolerance))
    state.SkipWithError(fmt::format("verification failed: error {:.3g} against the CPU reference, tolerance {:.0e}",
                                    error, tolerance)
                            .c_str());
}

}  // namespace pigment::bench
