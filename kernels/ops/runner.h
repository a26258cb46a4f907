#pragma once
// The generic op runner: the steps every differentiable op shares, so that an op's definition
// file (kernels/ops/<op>.cpp) holds only what is its own — its shape rule, its kernel calls, its
// backward rule and its spec. The four steps, in the order a definition writes them:
//
//   OpRun run{OpId::leaky_relu, {{x, "x"}}};   1. checks: every input defined (optional ones may
//                                                 be absent), all of one dtype and one device
//   Tensor y = run.output(x.shape());           2. allocates an output beside the inputs
//   run.kernels([&]<class T>() { cpu::…<T>(…); },          3. runs the CPU reference (float or
//               [&](auto& ctx) { cuda::…(ctx, …); });         double) or the CUDA kernel (float)
//   run.record({x}, rule, DoubleBackward::supported);       4. records the backward rule when an
//                                                              input needs a gradient
#include <initializer_list>
#include <span>
#include <type_traits>
#include <vector>

#include "engine/autograd.h"
#include "kernels/ops/op_id.h"
#include "engine/tensor.h"

namespace pigment {

// The CUDA half of run_kernels for an op that has no CUDA kernel yet: running it on a CUDA
// tensor is a clear error, not a silent CPU fallback.
struct NoCudaKernel {
  template <class Ctx> void operator()(Ctx&) const {}
};
inline constexpr NoCudaKernel no_cuda_kernel{};

// Runs on_cpu.template operator()<T>() for CPU tensors, or on_cuda(CudaContext&) for CUDA tensors.
// on_cuda must be a generic lambda (`[&](auto& ctx)`), so that CPU-only builds never instantiate
// its body. Backward rules call this directly, on their saved tensors.
template <class CpuFn, class CudaFn>
void run_kernels(OpId op, const Tensor& like, CpuFn&& on_cpu, CudaFn&& on_cuda) {
  like.context().count_op(static_cast<int>(op));
  if (like.is_cpu()) {
    static_cast<CpuContext&>(like.context()).use_free_cores();
    visit_dtype(like.dtype(), on_cpu);
    return;
  }
  constexpr bool has_cuda = !std::is_same_v<std::remove_cvref_t<CudaFn>, NoCudaKernel>;
  if constexpr (kCudaBuilt && has_cuda) {
    check_float32_on_cuda(op_cname(op), like);
    on_cuda(as_cuda(like.context()));
  } else {
    (void)on_cuda;
    PIGMENT_FAIL("{}: no CUDA kernel for this op in this build (tensor {}); run it on the CPU", op_name(op),
                 like.str());
  }
}

class OpRun {
 public:
  enum class Presence : bool { required, optional };
  struct Input {
    Input(const Tensor& t, const char* input_name, Presence p = Presence::required)
        : tensor(&t), name(input_name), presence(p) {}
    const Tensor* tensor;
    const char* name;  // as the error messages call it: "input", "weight", "target"
    Presence presence;
  };
  static constexpr Presence optional = Presence::optional;

  // Checks the inputs: each defined unless optional; the defined ones all of the first one's
  // dtype and device. The first input decides where the kernels run.
  OpRun(OpId op, std::initializer_list<Input> inputs) : op_(op) {
    for (const Input& in : inputs) add_input(*in.tensor, in.name, in.presence);
  }
  // The same for a list of like inputs (concat's parts), named "<what> i".
  OpRun(OpId op, std::span<const Tensor> inputs, const char* what);

  OpId op() const { return op_; }
  const char* name() const { return op_cname(op_); }
  // The tensor inputs in order, undefined for absent optional ones: the backward rule returns
  // one gradient per entry.
  std::span<const Tensor> inputs() const { return inputs_; }
  const Tensor& like() const { return inputs_.front(); }

  // A new, uninitialised output of `shape` (and of `dtype`, the inputs' by default) on the
  // inputs' device.
  Tensor output(const Shape& shape);
  Tensor output(const Shape& shape, DType dtype);
  // Adopts a tensor the op made otherwise (a view, a kernel's second result) as its next output.
  void add_output(const Tensor& t) { outputs_.push_back(t); }

  template <class CpuFn, class CudaFn> void kernels(CpuFn&& on_cpu, CudaFn&& on_cuda) const {
    run_kernels(op_, like(), std::forward<CpuFn>(on_cpu), std::forward<CudaFn>(on_cuda));
  }

  // Whether any input needs a gradient (grad mode on and one requires it).
  bool needs_grad() const { return autograd::needs_grad(std::span<const Tensor>(inputs_)); }
  // Attaches `rule` to the outputs when an input needs a gradient; `saved` are the tensors the
  // rule reads back (ctx.saved(i)).
  void record(std::vector<Tensor> saved, autograd::BackwardRule rule,
              autograd::DoubleBackward double_backward = autograd::DoubleBackward::unsupported);

 private:
  void add_input(const Tensor& t, const char* name, Presence presence);

  OpId op_;
  std::vector<Tensor> inputs_;
  std::vector<Tensor> outputs_;
};

// The data of an optional tensor, or null when it is undefined (absent bias, unneeded gradient).
template <class T> T* data_or_null(const Tensor& t) { return t.defined() ? t.data<T>() : nullptr; }

// Checks an optional per-channel vector (a norm's γ, β or running statistic) against the input's
// channel count: shape [C], same dtype and device.
inline void check_per_channel(const char* op, const Tensor& x, const Tensor& p, const char* what) {
  if (!p.defined()) return;
  check_same_dtype_device(op, x, p);
  PIGMENT_CHECK(p.shape() == Shape{x.dim(1)}, "{}: {} must be [{}] for input {}, got {}", op, what, x.dim(1),
                x.shape().str(), p.shape().str());
}

}  // namespace pigment
