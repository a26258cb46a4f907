#include "kernels/ops/runner.h"

#include <string>

namespace pigment {

OpRun::OpRun(OpId op, std::span<const Tensor> inputs, const char* what) : op_(op) {
  PIGMENT_CHECK(!inputs.empty(), "{}: needs at least one {}", name(), what);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::string label = fmt::format("{} {}", what, i);
    add_input(inputs[i], label.c_str(), Presence::required);
  }
}

void OpRun::add_input(const Tensor& t, const char* input_name, Presence presence) {
  if (presence == Presence::required || t.defined()) check_defined(name(), t, input_name);
  if (t.defined() && !inputs_.empty()) check_same_dtype_device(name(), inputs_.front(), t);
  PIGMENT_CHECK(!inputs_.empty() || t.defined(), "{}: its first input ({}) is not optional", name(), input_name);
  inputs_.push_back(t);
}

Tensor OpRun::output(const Shape& shape) { return output(shape, like().dtype()); }

Tensor OpRun::output(const Shape& shape, DType dtype) {
  Tensor t = Tensor::empty(shape, dtype, like().device());
  outputs_.push_back(t);
  return t;
}

void OpRun::record(std::vector<Tensor> saved, autograd::BackwardRule rule, autograd::DoubleBackward double_backward) {
  if (!needs_grad()) return;
  autograd::record(op_name(op_), inputs_, outputs_, std::move(saved), std::move(rule), double_backward);
}

}  // namespace pigment
