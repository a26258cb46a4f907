// What the binary element-wise ops (add, sub, mul) share: the spec's cases (kernels/ops/pointwise.h).
// Each op's own file holds its checks, kernel call and backward rule.
#include "kernels/ops/pointwise.h"
#include "kernels/ops/spec.h"

namespace pigment {

namespace detail {
OpSpec binary_spec(OpId op, Tensor (*fn)(const Tensor&, const Tensor&)) {
  OpSpec spec{op};
  for (Shape s : {Shape{}, Shape{1, 1, 1, 1}, Shape{3, 5, 7, 7}, Shape{2, 3, 31, 31}}) {
    spec.cases.push_back(OpCase{
        "a,b" + s.str(),
        [s](Rng& g, DType t, const Device& d) {
          return std::vector<Tensor>{random_tensor(s, g, t, d), random_tensor(s, g, t, d)};
        },
        [fn](const std::vector<Tensor>& in) { return std::vector<Tensor>{fn(in[0], in[1])}; },
        static_cast<double>(s.numel()), 12.0 * static_cast<double>(s.numel())});
  }
  return spec;
}
}  // namespace detail

}  // namespace pigment
