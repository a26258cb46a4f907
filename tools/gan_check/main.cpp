// gan-check: layer verification. For every op of the registry (or those named with --op), over
// each case of the op's spec, runs the float64 gradient check of the CPU reference and prints a
// table; the exit status is non-zero if any case fails. Seeds are printed: --seed replays a run,
// and --op with --case replays one case.
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "kernels/gradcheck.h"
#include "kernels/op_table.h"

using namespace pigment;

namespace {
std::string bar(double share) {
  // A 10-cell gauge of the share of the tolerance used.
  const int cells = share >= 1 ? 10 : static_cast<int>(share * 10 + 0.5);
  return std::string(static_cast<std::size_t>(cells), '#') + std::string(static_cast<std::size_t>(10 - cells), '.');
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gan-check: verify every op's forward and backward against mathematics (float64 gradient checks "
               "on the CPU reference)"};
  std::vector<std::string> ops;
  std::uint64_t seed = 20261124;
  int only_case = -1;
  GradCheckOptions options;
  bool list = false;
  app.add_option("--op", ops, "check only these ops (repeatable); default: all")->type_name("NAME");
  app.add_option("--case", only_case, "check only this case index of the op (see the table's # column)");
  app.add_option("--seed", seed, "base seed; each case's own seed is printed and replays it")->capture_default_str();
  app.add_option("--samples", options.max_samples, "elements differentiated numerically per input")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--tolerance", options.tolerance, "maximum relative error")->capture_default_str();
  app.add_flag("--list", list, "list the ops and their cases, then exit");
  CLI11_PARSE(app, argc, argv);

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
    }
    return 0;
  }

  fmt::print("gan-check: float64 gradient checks on the CPU reference, L = Σ Y⊙R with random R; base seed {}\n",
             seed);
  fmt::print("relative error per element = |analytic − numeric| / max(|a|, |n|, 1e-2·max|n|, 1e-5·Σ|Y⊙R|); "
             "tolerance {:.0e}\n\n",
             options.tolerance);
  fmt::print("{:<22} {:>2} {:<42} {:>10} {:>10} {:>7} {:<10} {:>20}  {}\n", "op", "#", "case", "max abs",
             "max rel", "tol", "used", "seed", "result");
  int failures = 0, total = 0;
  for (OpId id : selected) {
    const OpSpec& spec = op_spec(id);
    for (std::size_t i = 0; i < spec.cases.size(); ++i) {
      if (only_case >= 0 && static_cast<std::size_t>(only_case) != i) continue;
      const std::uint64_t s = case_seed(seed, id, i);
      const GradCheckResult r = gradcheck(spec, spec.cases[i], s, options);
      ++total;
      if (!r.passed) ++failures;
      fmt::print("{:<22} {:>2} {:<42} {:>10.2e} {:>10.2e} {:>6.1f}% {} {:>20}  {}\n", r.op, i, r.label, r.max_abs,
                 r.max_rel, 100 * r.share_of_tolerance(), bar(r.share_of_tolerance()), s, r.passed ? "pass" : "FAIL");
      if (!r.passed)
        fmt::print("    {}\n    replay: gan-check --op {} --case {} --seed {}\n", r.describe(), r.op, i, seed);
      std::fflush(stdout);
    }
  }
  fmt::print("\n{} of {} cases passed{}\n", total - failures, total, failures ? fmt::format(", {} FAILED", failures) : "");
  return failures ? 1 : 0;
}
