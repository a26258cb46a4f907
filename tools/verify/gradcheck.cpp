#include "tools/verify/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "engine/autograd.h"
#include "engine/philox.h"

namespace pigment {

std::uint64_t case_seed(std::uint64_t seed, OpId op, std::size_t index) {
  // FNV-1a of the op's name: the seed follows the op, not its place in the registry.
  std::uint32_t name_hash = 2166136261u;
  for (const char ch : op_name(op)) name_hash = (name_hash ^ static_cast<unsigned char>(ch)) * 16777619u;
  const philox::Block b = philox::block(seed, (static_cast<std::uint64_t>(name_hash) << 32) | index);
  return (static_cast<std::uint64_t>(b.w[0]) << 32) | b.w[1];
}

std::string GradCheckResult::describe() const {
  if (!error.empty()) return "error: " + error;
  const InputCheck* worst = nullptr;
  for (const InputCheck& in : inputs)
    if (!worst || in.max_rel > worst->max_rel) worst = &in;
  if (!worst) return "no differentiable input";
  return fmt::format("input {} {}: element {} analytic {:.12g} numeric {:.12g} (rel error {:.3g}, {} elements checked)",
                     worst->input, worst->shape.str(), worst->worst_index, worst->analytic_at_worst,
                     worst->numeric_at_worst, worst->max_rel, worst->checked);
}

namespace {
// L = Σ_k Σ Y_k ⊙ R_k, without recording; `magnitude` receives Σ|Y⊙R|.
double contracted_loss(const OpCase& c, const std::vector<Tensor>& inputs, const std::vector<std::vector<double>>& r,
                       double* magnitude = nullptr) {
  autograd::NoGradGuard no_grad;
  const std::vector<Tensor> outputs = c.run(inputs);
  double total = 0, absolute = 0;
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    const double* y = outputs[k].data<double>();
    for (std::size_t i = 0; i < r[k].size(); ++i) {
      total += y[i] * r[k][i];
      absolute += std::fabs(y[i] * r[k][i]);
    }
  }
  if (magnitude) *magnitude = absolute;
  return total;
}
}  // namespace

GradCheckResult gradcheck(const OpSpec& spec, const OpCase& c, std::uint64_t seed, const GradCheckOptions& options) {
  GradCheckResult result;
  result.op = std::string(op_name(spec.op));
  result.label = c.label;
  result.seed = seed;
  result.tolerance = options.tolerance;
  try {
    Rng gen(seed);
    const Device cpu = Device::cpu();
    static_cast<CpuContext&>(cpu.context()).set_poison_allocations(true);  // unwritten outputs show as NaN
    std::vector<Tensor> inputs = c.make_inputs(gen, DType::f64, cpu);
    if (!spec.differentiable) {
      // Nothing to differentiate: the forward must give no NaN (an op may return −∞ by contract: a
      // missing neighbour) and the same values again.
      const std::vector<Tensor> first = c.run(inputs), second = c.run(inputs);
      for (std::size_t k = 0; k < first.size(); ++k) {
        const std::vector<double> a = first[k].to_vector<double>(), b = second[k].to_vector<double>();
        for (std::size_t i = 0; i < a.size(); ++i) {
          PIGMENT_CHECK(!std::isnan(a[i]), "the forward produced NaN (output {}, element {})", k, i);
          PIGMENT_CHECK(a[i] == b[i], "output {} element {} differs between two runs: {} and {}", k, i, a[i], b[i]);
        }
      }
      result.forward_only = result.passed = true;
      return result;
    }

    // Analytic: backward from random cotangents.
    const std::vector<Tensor> outputs = c.run(inputs);
    std::vector<std::vector<double>> cotangents;
    std::vector<Tensor> roots, grads;
    for (const Tensor& y : outputs) {
      cotangents.push_back(gen.normal_vector(y.numel()));
      for (double v : y.to_vector<double>())
        PIGMENT_CHECK(std::isfinite(v), "the forward produced a non-finite value");
      if (y.requires_grad()) {
        roots.push_back(y);
        grads.push_back(Tensor::from_vector(y.shape(), cotangents.back(), cpu));
      }
    }
    if (!roots.empty()) autograd::backward(roots, grads);
    double magnitude = 0;
    contracted_loss(c, inputs, cotangents, &magnitude);

    // Numeric, input by input, on a sample of elements.
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      Tensor& x = inputs[i];
      if (!x.defined() || !x.requires_grad()) continue;
      InputCheck check;
      check.input = static_cast<int>(i);
      check.shape = x.shape();
      const std::vector<double> analytic =
          x.grad().defined() ? x.grad().to_vector<double>() : std::vector<double>(static_cast<std::size_t>(x.numel()), 0.0);
      std::vector<std::int64_t> sample(static_cast<std::size_t>(x.numel()));
      std::iota(sample.begin(), sample.end(), 0);
      if (x.numel() > options.max_samples) {
        for (std::int64_t k = 0; k < options.max_samples; ++k)  // partial Fisher–Yates
          std::swap(sample[static_cast<std::size_t>(k)],
                    sample[static_cast<std::size_t>(k + gen.uniform_int(x.numel() - k))]);
        sample.resize(static_cast<std::size_t>(options.max_samples));
      }
      double* data = x.data<double>();
      std::vector<double> numeric(sample.size());
      for (std::size_t s = 0; s < sample.size(); ++s) {
        double& v = data[sample[s]];
        const double orig = v, h = 1e-4 * std::max(1.0, std::fabs(orig));
        auto at = [&](double delta) {
          v = orig + delta;
          return contracted_loss(c, inputs, cotangents);
        };
        const double lp2 = at(2 * h), lp1 = at(h), lm1 = at(-h), lm2 = at(-2 * h);
        v = orig;
        numeric[s] = (-lp2 + 8 * lp1 - 8 * lm1 + lm2) / (12 * h);
      }
      double scale = 0;
      for (double n : numeric) scale = std::max(scale, std::fabs(n));
      const double floor = std::max({1e-2 * scale, 1e-5 * magnitude, 1e-300});
      for (std::size_t s = 0; s < sample.size(); ++s) {
        const double a = analytic[static_cast<std::size_t>(sample[s])], n = numeric[s];
        const double abs_err = std::fabs(a - n);
        // NaN never passes (a NaN error would compare false against every bound).
        const double rel_err = std::isfinite(a) && std::isfinite(n)
                                   ? abs_err / std::max({std::fabs(a), std::fabs(n), floor})
                                   : std::numeric_limits<double>::infinity();
        check.max_abs = std::max(check.max_abs, abs_err);
        if (rel_err > check.max_rel || check.worst_index < 0) {
          check.max_rel = rel_err;
          check.worst_index = sample[s];
          check.analytic_at_worst = a;
          check.numeric_at_worst = n;
        }
      }
      check.checked = static_cast<std::int64_t>(sample.size());
      result.max_abs = std::max(result.max_abs, check.max_abs);
      result.max_rel = std::max(result.max_rel, check.max_rel);
      result.inputs.push_back(check);
    }
    result.passed = !result.inputs.empty() && result.max_rel <= options.tolerance && std::isfinite(result.max_rel);
    if (result.inputs.empty()) result.error = "the case has no differentiable input";
  } catch (const std::exception& e) {
    result.error = e.what();
    result.passed = false;
  }
  return result;
}

}  // namespace pigment
