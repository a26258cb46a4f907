#include "kernels/ops/spec.h"

#include <cmath>

namespace pigment {

Tensor random_tensor(const Shape& shape, Rng& gen, DType dtype, const Device& device, Values values,
                     bool requires_grad) {
  const std::int64_t n = shape.numel();
  std::vector<double> v;
  switch (values) {
    case Values::normal:
      v = gen.normal_vector(n);
      break;
    case Values::away_from_zero:
      v.resize(static_cast<std::size_t>(n));
      for (double& x : v) x = (gen.uniform() < 0.5 ? -1.0 : 1.0) * gen.uniform(0.2, 1.5);
      break;
    case Values::positive:
      v.resize(static_cast<std::size_t>(n));
      for (double& x : v) x = gen.uniform(0.5, 1.5);
      break;
    case Values::unit:
      v.resize(static_cast<std::size_t>(n));
      for (double& x : v) x = gen.uniform();
      break;
    case Values::kaiming: {
      const std::int64_t fan_in = shape.rank() >= 2 ? shape.numel() / shape[0] : 1;
      v = gen.normal_vector(n, 0.0, std::sqrt(2.0 / static_cast<double>(fan_in)));
      break;
    }
  }
  Tensor t = Tensor::from_vector(shape, v, device, dtype);
  if (requires_grad) t.set_requires_grad(true);
  return t;
}

namespace detail {
OpCase tensor_case(const std::string& label, std::vector<Shape> shapes,
                   std::function<std::vector<Tensor>(const std::vector<Tensor>&)> run, double flops, double bytes) {
  return OpCase{label,
                [shapes](Rng& g, DType t, const Device& d) {
                  std::vector<Tensor> v;
                  for (const Shape& s : shapes) v.push_back(random_tensor(s, g, t, d));
                  return v;
                },
                std::move(run), flops, bytes};
}
}  // namespace detail

const std::vector<OpSpec>& all_op_specs() {
  // Built once, on first use; the list order is the registry's.
  static const std::vector<OpSpec> specs = [] {
    std::vector<OpSpec> v;
#define PIGMENT_MAKE_SPEC(name) v.push_back(make_spec_##name());
    PIGMENT_FOR_EACH_OP(PIGMENT_MAKE_SPEC)
#undef PIGMENT_MAKE_SPEC
    return v;
  }();
  return specs;
}

const OpSpec& op_spec(OpId op) { return all_op_specs()[static_cast<std::size_t>(op)]; }

}  // namespace pigment

namespace pigment {

bool op_has_cuda_kernel(OpId op) { return kCudaBuilt && op_spec(op).has_cuda; }

bool cuda_backend_complete() {
  for (int i = 0; i < kNumOps; ++i)
    if (!op_has_cuda_kernel(static_cast<OpId>(i))) return false;
  return true;
}

}  // namespace pigment
