#include "kernels/arithmetic.h"
#include "kernels/op_spec.h"

namespace pigment {

namespace detail {
Tensor binary_output(OpId op, const Tensor& a, const Tensor& b) {
  const char* name = op_cname(op);
  check_defined(name, a, "a");
  check_defined(name, b, "b");
  check_same_dtype_device(name, a, b);
  check_same_shape(name, a, b);
  return Tensor::empty_like(a);
}

OpSpec binary_spec(OpId op, Tensor (*fn)(const Tensor&, const Tensor&)) {
  OpSpec spec{op};
  for (Shape s : {Shape{}, Shape{1, 1, 1, 1}, Shape{3, 5, 7, 7}, Shape{2, 3, 31, 31}}) {
    spec.cases.push_back(OpCase{
        "a,b" + s.str(),
        [s](Generator& g, DType t, const Device& d) {
          return std::vector<Tensor>{random_tensor(s, g, t, d), random_tensor(s, g, t, d)};
        },
        [fn](const std::vector<Tensor>& in) { return std::vector<Tensor>{fn(in[0], in[1])}; },
        static_cast<double>(s.numel()), 12.0 * static_cast<double>(s.numel())});
  }
  return spec;
}
}  // namespace detail

Tensor scale(const Tensor& x, double alpha, double beta) {
  const char* op = op_cname(OpId::scale);
  check_defined(op, x, "x");
  Tensor y = Tensor::empty_like(x);
  dispatch<OpId::scale>(
      x,
      [&]<class T>() {
        cpu::scale_forward<T>(x.numel(), x.data<T>(), static_cast<T>(alpha), static_cast<T>(beta), y.data<T>());
      },
      [&](auto& ctx) {
        cuda::scale_forward(ctx, x.numel(), x.data<float>(), static_cast<float>(alpha), static_cast<float>(beta),
                            y.data<float>());
      });
  if (autograd::needs_grad({&x})) {
    const Tensor inputs[] = {x};
    Tensor outputs[] = {y};
    autograd::record(
        OpId::scale, inputs, outputs, {},
        [alpha](const autograd::BackwardContext& ctx) { return std::vector<Tensor>{scale(ctx.grad(), alpha)}; },
        autograd::DoubleBackward::supported);
  }
  return y;
}

OpSpec make_spec_scale() {
  OpSpec spec{OpId::scale};
  for (Shape s : {Shape{}, Shape{1, 1, 1, 1}, Shape{3, 5, 7, 7}}) {
    spec.cases.push_back(OpCase{
        "x" + s.str() + " α −1.5 β 0.25",
        [s](Generator& g, DType t, const Device& d) { return std::vector<Tensor>{random_tensor(s, g, t, d)}; },
        [](const std::vector<Tensor>& in) { return std::vector<Tensor>{scale(in[0], -1.5, 0.25)}; },
        static_cast<double>(s.numel()), 8.0 * static_cast<double>(s.numel())});
  }
  return spec;
}

}  // namespace pigment
