#include "engine/views.h"

#include "engine/autograd.h"

namespace pigment {

Tensor reshape(const Tensor& x, const Shape& shape) {
  check_defined("reshape", x, "x");
  PIGMENT_CHECK(shape.numel() == x.numel(), "reshape: cannot view {} ({} elements) as {} ({} elements)",
                x.shape().str(), x.numel(), shape.str(), shape.numel());
  Tensor y = Tensor::view_of(x.storage(), x.storage_offset(), shape, x.dtype());
  if (autograd::needs_grad({&x})) {
    const Tensor inputs[] = {x};
    Tensor outputs[] = {y};
    const Shape from = x.shape();
    autograd::record(
        "reshape", inputs, outputs, {},
        [from](const autograd::BackwardContext& ctx) { return std::vector<Tensor>{reshape(ctx.grad(), from)}; },
        autograd::DoubleBackward::supported);
  }
  return y;
}

}  // namespace pigment
