#include "kernels/ops/pointwise.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor relu(const Tensor& x) { return detail::leaky_relu_like<OpId::relu>(x, 0.0); }

OpSpec make_spec_relu() {
  OpSpec spec{OpId::relu};
  for (Shape s : {Shape{1, 1, 1, 1}, Shape{3, 5, 7, 7}, Shape{1, 6, 31, 31}}) {
    spec.cases.push_back(OpCase{
        "x" + s.str(),
        [s](Rng& g, DType t, const Device& d) {
          return std::vector<Tensor>{random_tensor(s, g, t, d, Values::away_from_zero)};
        },
        [](const std::vector<Tensor>& in) { return std::vector<Tensor>{relu(in[0])}; },
        static_cast<double>(s.numel()), 8.0 * static_cast<double>(s.numel())});
  }
  return spec;
}

}  // namespace pigment
