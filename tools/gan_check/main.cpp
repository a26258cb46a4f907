// gan-check: layer verification. For every op of the registry (or those named with --op), over
// each case of the op's spec, runs
//   --device cpu  (default) the float64 gradient check of the CPU reference, or
//   --device cuda the CUDA kernels against the CPU reference, forward and backward, on the spec's
//                 awkward shapes and the reference networks' layer shapes (--impl picks the
//                 convolution implementation),
//   --device simt the same, with the CUDA kernels run on the CPU by the SIMT harness (builds
//                 configured with -DPIGMENT_CUDA=SIMT); spec shapes by default, since the layer
//                 shapes take core-minutes there (--cases all adds them),
// and prints a table; the exit status is non-zero if any case fails. Seeds are printed: --seed
// replays a run, and --op with --case (or --shape) replays one case.
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "tools/command_line.h"
#include "tools/verify/crosscheck.h"
#include "tools/verify/gradcheck.h"
#include "kernels/ops/spec.h"

using namespace pigment;

namespace {
std::string bar(double share) {
  // A 10-cell gauge of the share of the tolerance used.
  const int cells = share >= 1 ? 10 : static_cast<int>(share * 10 + 0.5);
  return std::string(static_cast<std::size_t>(cells), '#') + std::string(static_cast<std::size_t>(10 - cells), '.');
}
}  // namespace

int main(int argc, char** argv) {
  // Line-buffered even into a file or a pipe (> log, nohup, | tee): progress shows as it happens,
  // whole lines, and nothing printed is lost when the process is killed.
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  CLI::App app{"gan-check: verify every op's forward and backward against mathematics (float64 gradient checks "
               "on the CPU reference)"};
  std::vector<std::string> ops;
  std::uint64_t seed = 20261124;
  int only_case = -1;
  GradCheckOptions options;
  bool list = false, verbose = false;
  std::string device = "cpu", impl = "custom", shape_filter, which_cases;
  app.add_option("--op", ops, "check only these ops (repeatable); default: all")->type_name("NAME");
  app.add_option("--case", only_case, "check only this case index of the op (see the table's # column)");
  app.add_option("--shape", shape_filter, "check only cases whose label contains this text (e.g. 'res-block')");
  app.add_option("--device", device,
                 "cpu: float64 gradient checks; cuda: CUDA against the CPU reference; simt: the CUDA kernels run on "
                 "the CPU by the SIMT harness, against the CPU reference")
      ->check(CLI::IsMember({"cpu", "cuda", "simt"}))
      ->capture_default_str();
  app.add_option("--cases", which_cases,
                 "cuda/simt: spec (the ops' awkward shapes), layers (the reference networks' layer shapes) or all; "
                 "default all on cuda, spec on simt")
      ->check(CLI::IsMember({"spec", "layers", "all"}));
  app.add_option("--impl", impl,
                 "CUDA implementations: custom or auto (Pigment's kernels; auto times the convolutions), cudnn or "
                 "gemm (the libraries for everything: those convolutions, cuBLAS products, composed attention)")
      ->check(CLI::IsMember({"custom", "cudnn", "gemm", "auto"}))
      ->capture_default_str();
  app.add_option("--seed", seed,
                 "base seed: with --op and --case it replays one case exactly (each case's seed, derived from it "
                 "and the case, is printed for reference)")
      ->capture_default_str();
  add_number(app, "--samples", options.max_samples, "elements differentiated numerically per input", {1});
  app.add_option("--tolerance", options.tolerance, "maximum relative error")->capture_default_str();
  app.add_flag("--list", list, "list the ops and their cases, then exit");
  app.add_flag("--verbose", verbose, "cuda/simt: print every tensor's comparison, not only a failing case's worst");
  if (const auto code = pigment::parse_command_line(app, "gan-check", argc, argv)) return *code;

  std::vector<OpId> selected;
  for (const std::string& name : ops) {
    const auto id = op_from_name(name);
    if (!id) {
      std::string known;
      for (std::string_view n : kOpNames) known += std::string(known.empty() ? "" : ", ") + std::string(n);
      fmt::print(stderr, "gan-check: unknown op '{}'. Known ops: {}\n", name, known);
      return 2;
    }
    selected.push_back(*id);
  }
  if (selected.empty())
    for (int i = 0; i < kNumOps; ++i) selected.push_back(static_cast<OpId>(i));
  if (only_case >= 0 && selected.size() != 1) {
    fmt::print(stderr, "gan-check: --case needs exactly one --op\n");
    return 2;
  }

  if (list) {
    for (OpId id : selected) {
      const OpSpec& spec = op_spec(id);
      fmt::print("{} ({} cases{})\n", op_name(id), spec.cases.size(), op_has_cuda_kernel(id) ? ", CUDA kernel" : "");
      for (std::size_t i = 0; i < spec.cases.size(); ++i) fmt::print("  #{} {}\n", i, spec.cases[i].label);
      if (!spec.layer_cases.empty()) fmt::print("  layer shapes (--cases layers):\n");
      for (std::size_t i = 0; i < spec.layer_cases.size(); ++i)
        fmt::print("  #{} {}\n", i, spec.layer_cases[i].label);
    }
    return 0;
  }

  const bool on_cuda = device == "cuda" || device == "simt";
  if (which_cases.empty()) which_cases = device == "cuda" ? "all" : "spec";
  std::optional<Device> gpu;
  if (on_cuda) {
    try {
      gpu = Device::parse(device);
      // Outputs start as NaN, and guard bytes after every allocation are checked after each pass.
      set_allocator_checks(*gpu, {true, 256});
      set_kernel_choice(*gpu, KernelChoice::preset(kConvImplNames.parse(impl, "implementation")));
    } catch (const std::exception& e) {
      return report_failure("gan-check", e);
    }
    fmt::print("gan-check: CUDA kernels ({}) against the CPU reference, float32, forward and backward; {}; "
               "cases {}; base seed {}\n", gpu->str(), kernel_choice(*gpu).str(), which_cases, seed);
    if (gpu->is_simt()) {
      const SimtOptions& o = simt_options(*gpu);
      fmt::print("SIMT harness: {} SMs, block order {}, TF32 {}, {} worker thread(s) (PIGMENT_SIMT_SMS, "
                 "PIGMENT_SIMT_BLOCK_ORDER, PIGMENT_SIMT_TF32, PIGMENT_SIMT_WORKERS)\n",
                 o.sm_count, block_order_name(o), o.tf32 ? "on" : "off", o.workers);
    }
    fmt::print("error per tensor = max|cuda − cpu| / max(max|cpu|, 1e-3·largest |cpu| of the case); outputs poisoned, "
               "guard bytes checked\n\n");
  } else {
    fmt::print("gan-check: float64 gradient checks on the CPU reference, L = Σ Y⊙R with random R; base seed {}\n",
               seed);
    fmt::print("relative error per element = |analytic − numeric| / max(|a|, |n|, 1e-2·max|n|, 1e-5·Σ|Y⊙R|); "
               "tolerance {:.0e}\n\n",
               options.tolerance);
  }
  fmt::print("{:<22} {:>2} {:<52} {:>10} {:>10} {:>7} {:<10} {:>20}  {}\n", "op", "#", "case", "max abs",
             "max rel", "tol", "used", "seed", "result");
  int failures = 0, total = 0;
  for (OpId id : selected) {
    const OpSpec& spec = op_spec(id);
    if (on_cuda && !op_has_cuda_kernel(id)) {
      fmt::print("{:<22}    no CUDA kernel in this build: skipped\n", op_name(id));
      continue;
    }
    std::vector<OpCase> cases;
    if (!on_cuda || which_cases != "layers") cases = spec.cases;
    if (on_cuda && which_cases != "spec")
      for (const OpCase& c : spec.layer_cases) cases.push_back(c);
    for (std::size_t i = 0; i < cases.size(); ++i) {
      if (only_case >= 0 && static_cast<std::size_t>(only_case) != i) continue;
      if (!shape_filter.empty() && cases[i].label.find(shape_filter) == std::string::npos) continue;
      const std::uint64_t s = case_seed(seed, id, i);
      double max_abs, max_rel, share;
      bool passed;
      std::string op, label, why, details;
      if (on_cuda) {
        const CrossCheckResult r = crosscheck(spec, cases[i], s, *gpu);
        max_abs = r.max_abs, max_rel = r.max_rel, share = r.share_of_tolerance(), passed = r.passed;
        op = r.op, label = r.label, why = r.describe();
        if (verbose)
          for (const TensorComparison& t : r.tensors)
            details += fmt::format("    {:<18} {:<18} max abs {:.3g}, error {:.3g} at {} (cpu {:.9g}, cuda {:.9g})\n",
                                   t.what, t.shape.str(), t.max_abs, t.rel, t.worst, t.cpu_at_worst, t.cuda_at_worst);
      } else {
        const GradCheckResult r = gradcheck(spec, cases[i], s, options);
        max_abs = r.max_abs, max_rel = r.max_rel, share = r.share_of_tolerance(), passed = r.passed;
        op = r.op, label = r.forward_only ? r.label + " (forward only)" : r.label, why = r.describe();
      }
      ++total;
      if (!passed) ++failures;
      fmt::print("{:<22} {:>2} {:<52} {:>10.2e} {:>10.2e} {:>6.1f}% {} {:>20}  {}\n", op, i, label, max_abs, max_rel,
                 100 * share, bar(share), s, passed ? "pass" : "FAIL");
      fmt::print("{}", details);
      if (!passed)
        fmt::print("    {}\n    replay: gan-check --device {} --op {} --case {} --seed {}{}\n", why, device, op, i, seed,
                   on_cuda ? " --impl " + impl + " --cases " + which_cases : std::string());
      std::fflush(stdout);
    }
  }
  if (on_cuda) {
    fmt::print("\ntolerances (CUDA against CPU):\n");
    for (OpId id : selected) {
      if (!op_has_cuda_kernel(id)) continue;
      const CudaTolerance t = cuda_tolerance(op_spec(id), OpCase{}, *gpu);
      fmt::print("  {:<22} {:.0e}  {}\n", op_name(id), t.value, t.reason);
      for (const OpCase& c : op_spec(id).cases)
        if (c.cuda_tolerance > 0)
          fmt::print("  {:<22} {:.0e}  case '{}': {}\n", "", c.cuda_tolerance, c.label, c.cuda_tolerance_reason);
    }
  }
  if (total == 0) {  // a filter that matches nothing checks nothing: that is no pass
    fmt::print(stderr, "gan-check: no case matched (--op, --case, --shape, --cases); gan-check --list shows them\n");
    return 2;
  }
  fmt::print("\n{} of {} cases passed{}\n", total - failures, total, failures ? fmt::format(", {} FAILED", failures) : "");
  return failures ? 1 : 0;
}
