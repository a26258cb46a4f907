#include "kernels/ops/pointwise.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor sigmoid(const Tensor& x) { return detail::smooth_activation<OpId::sigmoid>(x); }

OpSpec make_spec_sigmoid() { return detail::smooth_activation_spec(OpId::sigmoid, &sigmoid); }

}  // namespace pigment
