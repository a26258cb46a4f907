#pragma once
// Element-wise arithmetic on tensors of one shape, and their backward rules (all linear or
// bilinear, so all support double backward):
//   add(a, b) = a + b        da = dy,       db = dy
//   sub(a, b) = a − b        da = dy,       db = −dy
//   mul(a, b) = a ⊙ b        da = dy ⊙ b,   db = dy ⊙ a
//   scale(x, α, β) = α·x + β dx = α·dy
// Broadcasting is explicit: expand() the smaller operand first.
#include "kernels/ops/runner.h"
#include "kernels/raw/pointwise.h"

namespace pigment {

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor scale(const Tensor& x, double alpha, double beta = 0.0);

namespace detail {
// What add, sub and mul share: a and b of one shape, y = a ∘ b by the op's kernels (cpu_kernel a
// generic callable (n, a, b, y), cuda_kernel one of (ctx, n, a, b, y)), the rule recorded over
// `saved`.
template <class CpuKernel, class CudaKernel>
Tensor binary(OpId op, const Tensor& a, const Tensor& b, CpuKernel cpu_kernel, CudaKernel cuda_kernel,
              std::vector<Tensor> saved, autograd::BackwardRule rule) {
  OpRun run{op, {{a, "a"}, {b, "b"}}};
  check_same_shape(run.name(), a, b);
  Tensor y = run.output(a.shape());
  run.kernels([&]<class T>() { cpu_kernel(a.numel(), a.data<T>(), b.data<T>(), y.data<T>()); },
              [&](auto& ctx) { cuda_kernel(ctx, a.numel(), a.data<float>(), b.data<float>(), y.data<float>()); });
  run.record(std::move(saved), std::move(rule), autograd::DoubleBackward::supported);
  return y;
}
}  // namespace detail

}  // namespace pigment
