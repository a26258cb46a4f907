#pragma once
// Element-wise ops: activations, powers, dropout and arithmetic.
// Each op's math is with its declaration below.
#include "engine/rng.h"
#include "kernels/ops/runner.h"
#include "kernels/raw/pointwise.h"

// This family's ops, on the registry (kernels/ops/registry.h).
#define PIGMENT_POINTWISE_OPS(X) X(relu) X(leaky_relu) X(leaky_relu_backward) X(tanh) X(sigmoid) X(pow) X(dropout) X(add) X(sub) X(mul) X(scale)

namespace pigment {

// ---- relu, leaky_relu, leaky_relu_backward -----------------------------------------------------
// leaky_relu(x) = x for x > 0, slope·x otherwise (slope 0.2 in the U-Net and PatchGAN).
// relu(x) = leaky_relu(x) with slope 0.
// Backward: dx = dy · (x > 0 ? 1 : slope), itself the differentiable op leaky_relu_backward so
// that gradients of gradients (WGAN-GP) flow through it.
Tensor leaky_relu(const Tensor& x, double slope);
Tensor relu(const Tensor& x);
// dx = dy · (x > 0 ? 1 : slope). Linear in dy; its derivative in x is zero almost everywhere.
Tensor leaky_relu_backward(const Tensor& dy, const Tensor& x, double slope);

namespace detail {
// The shared forward of relu and leaky_relu (they differ in slope and registry entry).
template <OpId op> Tensor leaky_relu_like(const Tensor& x, double slope);
}  // namespace detail

// ---- tanh, sigmoid -----------------------------------------------------------------------------
// Smooth activations. Their backward rules read the output y (saved detached), so they do not
// support double backward (gradient penalties run through discriminators, which use neither):
//   tanh(x):     dx = dy · (1 − y²)
//   sigmoid(x):  dx = dy · y · (1 − y)
// relu and leaky_relu are in kernels/ops/pointwise.h.
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);

namespace detail {
// The shared body of tanh and sigmoid (kernels/ops/activations.cpp), and their spec.
template <OpId op> Tensor smooth_activation(const Tensor& x);
}  // namespace detail

// ---- pow ---------------------------------------------------------------------------------------
// Element-wise power with a constant exponent: y = x^e. Gives sqrt (e = ½), rsqrt (e = −½) and
// reciprocal (e = −1), which the norms' double backward and the gradient penalty's ‖∇‖ need.
// Non-integer exponents need x > 0. Backward: dx = dy · e·x^(e−1), written with pow, mul and
// scale, so it supports double backward.
Tensor pow(const Tensor& x, double exponent);

// ---- dropout -----------------------------------------------------------------------------------
// Inverted dropout with a Philox mask: element i is kept, and scaled by 1/(1 − p), when word
// offset + i of the Philox stream with key `seed` is at least p·2³², and zeroed otherwise.
// The test is in integers, so the CPU and CUDA backends draw the same mask for the same
// (seed, offset). The op is linear in x with that fixed mask, so its backward is the same op
// applied to dy (double backward included).
Tensor dropout(const Tensor& x, double p, std::uint64_t seed, std::uint64_t offset);
// Reserves x.numel() words of `gen` for the mask.
Tensor dropout(const Tensor& x, double p, Rng& gen);

// ---- add, sub, mul, scale ----------------------------------------------------------------------
// Element-wise arithmetic on tensors of one shape, and their backward rules (all linear or
// bilinear, so all support double backward):
//   add(a, b) = a + b        da = dy,       db = dy
//   sub(a, b) = a − b        da = dy,       db = −dy
//   mul(a, b) = a ⊙ b        da = dy ⊙ b,   db = dy ⊙ a
//   scale(x, α, β) = α·x + β dx = α·dy
// Broadcasting is explicit: expand() the smaller operand first.
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
