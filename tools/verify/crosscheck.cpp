#include "tools/verify/crosscheck.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/autograd.h"

namespace pigment {

CudaTolerance cuda_tolerance(const OpSpec& spec, const OpCase& c, const Device& device) {
  if (c.cuda_tolerance > 0) return {c.cuda_tolerance, c.cuda_tolerance_reason};
  if (spec.library_tolerance.value > 0 && kernel_choice(device).attention == AttentionImpl::composed)
    return spec.library_tolerance;
  return spec.cuda_tolerance;
}

std::string CrossCheckResult::describe() const {
  if (!error.empty()) return "error: " + error;
  const TensorComparison* worst = nullptr;
  for (const TensorComparison& t : tensors)
    if (!worst || t.rel > worst->rel) worst = &t;
  if (!worst) return "nothing compared";
  return fmt::format("{} {}: element {} cpu {:.9g} cuda {:.9g} (error {:.3g})", worst->what, worst->shape.str(),
                     worst->worst, worst->cpu_at_worst, worst->cuda_at_worst, worst->rel);
}

namespace {
// The largest finite magnitude (a forward-only op may return −∞ by contract: a missing neighbour).
double max_abs_value(const std::vector<double>& v) {
  double m = 0;
  for (double x : v)
    if (std::isfinite(x)) m = std::max(m, std::fabs(x));
  return m;
}
}  // namespace

CrossCheckResult crosscheck(const OpSpec& spec, const OpCase& c, std::uint64_t seed, const Device& cuda) {
  CrossCheckResult result;
  result.op = std::string(op_name(spec.op));
  result.label = c.label;
  result.seed = seed;
  result.tolerance = cuda_tolerance(spec, c, cuda).value;
  try {
    const Device cpu = Device::cpu();
    Rng gen(seed);
    std::vector<Tensor> on_cpu = c.make_inputs(gen, DType::f32, cpu), on_cuda;
    for (const Tensor& t : on_cpu) {
      if (!t.defined()) {
        on_cuda.emplace_back();
        continue;
      }
      Tensor copy = t.to(cuda);
      if (copy.is_same(t)) copy = t.clone();
      copy.set_requires_grad(t.requires_grad());
      on_cuda.push_back(copy);
    }
    const std::vector<Tensor> y_cpu = c.run(on_cpu);
    const std::vector<Tensor> y_cuda = c.run(on_cuda);
    verify_allocator_guards(cuda);

    // (name, cpu values, cuda values, shape) of everything compared.
    struct Pair {
      std::string what;
      Shape shape;
      std::vector<double> a, b;
    };
    std::vector<Pair> pairs;
    std::vector<Tensor> roots_cpu, roots_cuda, grads_cpu, grads_cuda;
    for (std::size_t k = 0; k < y_cpu.size(); ++k) {
      pairs.push_back({fmt::format("output {}", k), y_cpu[k].shape(), y_cpu[k].to_vector<double>(),
                       y_cuda[k].to_vector<double>()});
      if (!y_cpu[k].requires_grad()) continue;
      Tensor r = Tensor::from_vector(y_cpu[k].shape(), gen.normal_vector(y_cpu[k].numel()), cpu, DType::f32);
      roots_cpu.push_back(y_cpu[k]);
      roots_cuda.push_back(y_cuda[k]);
      grads_cpu.push_back(r);
      grads_cuda.push_back(r.to(cuda));
    }
    if (!roots_cpu.empty()) {
      autograd::backward(roots_cpu, grads_cpu);
      autograd::backward(roots_cuda, grads_cuda);
      verify_allocator_guards(cuda);
      for (std::size_t i = 0; i < on_cpu.size(); ++i) {
        if (!on_cpu[i].defined() || !on_cpu[i].requires_grad()) continue;
        const Tensor gc = on_cpu[i].grad(), gg = on_cuda[i].grad();
        PIGMENT_CHECK(gc.defined() == gg.defined(), "input {}: a gradient on one device only", i);
        if (!gc.defined()) continue;
        pairs.push_back({fmt::format("grad of input {}", i), gc.shape(), gc.to_vector<double>(), gg.to_vector<double>()});
      }
    }
    double scale = 0;
    for (const Pair& p : pairs) scale = std::max(scale, max_abs_value(p.a));
    const double floor = std::max(1e-3 * scale, 1e-30);
    for (const Pair& p : pairs) {
      TensorComparison t;
      t.what = p.what;
      t.shape = p.shape;
      const double denom = std::max(max_abs_value(p.a), floor);
      for (std::size_t i = 0; i < p.a.size(); ++i) {
        // Equal infinities agree; NaN, or an infinity against anything else, never does.
        const bool same_infinity = std::isinf(p.a[i]) && p.a[i] == p.b[i];
        const double diff = same_infinity ? 0.0 : std::fabs(p.a[i] - p.b[i]);
        const double rel = same_infinity                                        ? 0.0
                           : std::isfinite(p.b[i]) && std::isfinite(p.a[i]) ? diff / denom
                                                                             : std::numeric_limits<double>::infinity();
        if (rel > t.rel || t.worst < 0) {
          t.rel = rel;
          t.worst = static_cast<std::int64_t>(i);
          t.cpu_at_worst = p.a[i];
          t.cuda_at_worst = p.b[i];
        }
        if (std::isfinite(diff)) t.max_abs = std::max(t.max_abs, diff);
      }
      result.max_abs = std::max(result.max_abs, t.max_abs);
      result.max_rel = std::max(result.max_rel, t.rel);
      result.tensors.push_back(t);
    }
    result.passed = !result.tensors.empty() && result.max_rel <= result.tolerance;
  } catch (const std::exception& e) {
    result.error = e.what();
    result.passed = false;
  }
  return result;
}

}  // namespace pigment
