#include "engine/parameters.h"

#include <algorithm>

namespace pigment {

Tensor& ParameterSet::add(std::string name, Tensor param) {
  check_defined("ParameterSet::add", param, "parameter");
  PIGMENT_CHECK(!is_flat(), "ParameterSet::add('{}'): the set is already flattened; add every parameter first", name);
  PIGMENT_CHECK(param.is_leaf(), "ParameterSet::add('{}'): a parameter must be a leaf tensor, got the output of an op",
                name);
  PIGMENT_CHECK(!find(name).defined(), "ParameterSet::add: the name '{}' is used twice", name);
  if (!entries_.empty()) check_same_dtype_device("ParameterSet::add", entries_.front().second, param);
  param.set_requires_grad(true);
  param.set_name(name);
  entries_.emplace_back(std::move(name), std::move(param));
  return entries_.back().second;
}

std::int64_t ParameterSet::numel() const {
  std::int64_t n = 0;
  for (const auto& [name, p] : entries_) n += p.numel();
  return n;
}

Tensor ParameterSet::find(const std::string& name) const {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e.first == name; });
  return it == entries_.end() ? Tensor() : it->second;
}

void ParameterSet::flatten() {
  if (is_flat()) return;
  PIGMENT_CHECK(!entries_.empty(), "ParameterSet::flatten: no parameters");
  const Tensor& first = entries_.front().second;
  flat_params_ = Tensor::empty({numel()}, first.dtype(), first.device());
  flat_grads_ = Tensor::zeros({numel()}, first.dtype(), first.device());
  std::int64_t offset = 0;
  for (auto& [name, p] : entries_) {
    // Copy the values into the flat buffer, then re-point this tensor (every handle to it shares
    // the same impl, so the layers holding it see the move).
    Tensor view = Tensor::view_of(flat_params_.storage(), offset, p.shape(), p.dtype());
    view.copy_from(p);
    auto& impl = *p.impl_ptr();
    impl.storage = flat_params_.storage();
    impl.offset = offset;
    p.set_grad(Tensor::view_of(flat_grads_.storage(), offset, p.shape(), p.dtype()));
    offset += p.numel();
  }
}

const Tensor& ParameterSet::flat_params() const {
  PIGMENT_CHECK(is_flat(), "ParameterSet: call flatten() before using the flat buffers");
  return flat_params_;
}

const Tensor& ParameterSet::flat_grads() const {
  PIGMENT_CHECK(is_flat(), "ParameterSet: call flatten() before using the flat buffers");
  return flat_grads_;
}

void ParameterSet::zero_grad() {
  if (is_flat()) {
    flat_grads_.zero_();
    return;
  }
  for (auto& [name, p] : entries_) p.zero_grad();
}

void ParameterSet::set_requires_grad(bool requires_grad) {
  for (auto& [name, p] : entries_) p.set_requires_grad(requires_grad);
}

}  // namespace pigment
