#include "kernels/ops/pointwise.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor tanh(const Tensor& x) { return detail::smooth_activation<OpId::tanh>(x); }

OpSpec make_spec_tanh() { return detail::smooth_activation_spec(OpId::tanh, &tanh); }

}  // namespace pigment
