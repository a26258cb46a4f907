#include "engine/views.h"
#include "kernels/cpu/gemm.h"
#include "kernels/ops/matmul.h"
#include "kernels/ops/reduce.h"
#include "kernels/ops/spec.h"

namespace pigment {

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  OpRun run{OpId::linear, {{x, "input"}, {weight, "weight"}, {bias, "bias", OpRun::optional}}};
  const char* op = run.name();
  check_rank(op, x, 2, "input");
  check_rank(op, weight, 2, "weight");
  const std::int64_t rows = x.dim(0), in = x.dim(1), out = weight.dim(0);
  PIGMENT_CHECK(weight.dim(1) == in, "{}: input {} has {} features, weight {} takes {} ([out, in])", op,
                x.shape().str(), in, weight.shape().str(), weight.dim(1));
  PIGMENT_CHECK(!bias.defined() || bias.shape() == Shape{out}, "{}: bias must be [{}] for weight {}, got {}", op, out,
                weight.shape().str(), bias.shape().str());
  Tensor y = run.output({rows, out});
  run.kernels(
      [&]<class T>() {
        cpu::gemm<T>(cpu::Transpose{false}, cpu::Transpose{true}, rows, out, in, T(1), x.data<T>(), in,
                     weight.data<T>(), in, T(0), y.data<T>(), out);
        if (bias.defined()) cpu::add_row_bias<T>(rows, out, bias.data<T>(), y.data<T>());
      },
      [&](auto& ctx) {
        cuda::matmul(ctx, 1, false, true, rows, out, in, x.data<float>(), weight.data<float>(), y.data<float>());
        if (bias.defined()) cuda::add_row_bias(ctx, rows, out, bias.data<float>(), y.data<float>());
      });
  x.context().add_flops(2.0 * static_cast<double>(rows * out * in));
  run.record(
      {x, weight},
      [out](const autograd::BackwardContext& ctx) {
        const Tensor& dy = ctx.grad();
        std::vector<Tensor> grads(3);
        if (ctx.needs(0)) grads[0] = matmul(dy, ctx.saved(1));
        if (ctx.needs(1)) grads[1] = matmul(dy, ctx.saved(0), true, false);
        if (ctx.needs(2)) grads[2] = reshape(sum(dy, {0}), {out});
        return grads;
      },
      autograd::DoubleBackward::supported);
  return y;
}

OpSpec make_spec_linear() {
  // A row, odd sizes with and without bias, and the memory colorizer's colour-feature MLP layers.
  OpSpec spec{OpId::linear};
  spec.cuda_tolerance = kTf32Products;
  struct Case {
    std::int64_t rows, in, out;
    bool bias;
  };
  for (const Case c : {Case{1, 1, 1, true}, Case{5, 7, 3, true}, Case{5, 7, 3, false}, Case{3, 33, 65, true},
                       Case{4, 261, 256, true}}) {
    const Shape x{c.rows, c.in}, w{c.out, c.in};
    std::vector<Shape> shapes{x, w};
    if (c.bias) shapes.push_back({c.out});
    spec.cases.push_back(detail::tensor_case(
        fmt::format("x{} W{}{}", x.str(), w.str(), c.bias ? " +b" : ""), shapes,
        [](const auto& in) { return std::vector<Tensor>{linear(in[0], in[1], in.size() > 2 ? in[2] : Tensor())}; },
        2.0 * static_cast<double>(c.rows * c.in * c.out),
        4.0 * static_cast<double>(c.rows * c.in + c.in * c.out + c.rows * c.out)));
  }
  return spec;
}

}  // namespace pigment
