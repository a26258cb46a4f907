#pragma once
// ParameterSet: a model's trainable tensors by name. After flatten() every parameter is a view of
// one contiguous buffer and its gradient a view of a second one, so that zero_grad, the Adam
// update and checksums are one call over one buffer each, whatever the number of layers.
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace pigment {

class ParameterSet {
 public:
  // Registers a leaf tensor under `name` (its state_dict key) and marks it trainable.
  Tensor& add(std::string name, Tensor param);
  // Moves every parameter (and its gradient) into one flat buffer; values are kept. Parameters
  // added afterwards are not allowed.
  void flatten();
  bool is_flat() const { return flat_params_.defined(); }

  const std::vector<std::pair<std::string, Tensor>>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  std::int64_t numel() const;
  // The parameter called `name`, or an undefined tensor.
  Tensor find(const std::string& name) const;

  // The flat buffers (flatten() first).
  const Tensor& flat_params() const;
  const Tensor& flat_grads() const;

  void zero_grad();
  // Freezes (false) or unfreezes (true) every parameter: a frozen network still passes gradients
  // to its inputs but computes none for its weights.
  void set_requires_grad(bool requires_grad);

 private:
  std::vector<std::pair<std::string, Tensor>> entries_;
  Tensor flat_params_, flat_grads_;
};

}  // namespace pigment
