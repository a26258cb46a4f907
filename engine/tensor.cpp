#include "engine/tensor.h"

#include <algorithm>
#include <cstring>

#include "engine/autograd.h"
#include "kernels/raw/pointwise.h"

namespace pigment {

namespace {
std::shared_ptr<detail::TensorImpl> make_impl(const Shape& shape, DType dtype, const Device& device) {
  auto impl = std::make_shared<detail::TensorImpl>();
  impl->storage = std::make_shared<Storage>(device.context_ptr(),
                                            static_cast<std::size_t>(shape.numel()) * dtype_size(dtype));
  impl->shape = shape;
  impl->dtype = dtype;
  return impl;
}
}  // namespace

// ---- Factories --------------------------------------------------------------------------------
Tensor Tensor::empty(const Shape& shape, DType dtype, const Device& device) {
  return Tensor(make_impl(shape, dtype, device));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype, const Device& device) {
  Tensor t = empty(shape, dtype, device);
  t.context().memset_zero(t.raw_data(), t.nbytes());
  return t;
}

Tensor Tensor::full(const Shape& shape, double value, DType dtype, const Device& device) {
  Tensor t = empty(shape, dtype, device);
  t.fill_(value);
  return t;
}

template <class T>
Tensor Tensor::from_vector(const Shape& shape, const std::vector<T>& values, const Device& device, DType dtype) {
  PIGMENT_CHECK(static_cast<std::int64_t>(values.size()) == shape.numel(),
                "Tensor::from_vector: {} values given for shape {} ({} elements)", values.size(), shape.str(),
                shape.numel());
  Tensor t = empty(shape, dtype, device);
  visit_dtype(dtype, [&]<class U>() {
    std::vector<U> converted(values.begin(), values.end());
    t.context().copy_from_host(t.raw_data(), converted.data(), t.nbytes());
  });
  return t;
}
template Tensor Tensor::from_vector<float>(const Shape&, const std::vector<float>&, const Device&, DType);
template Tensor Tensor::from_vector<double>(const Shape&, const std::vector<double>&, const Device&, DType);

Tensor Tensor::view_of(std::shared_ptr<Storage> storage, std::int64_t offset, const Shape& shape, DType dtype) {
  PIGMENT_CHECK(offset >= 0 && static_cast<std::size_t>(offset + shape.numel()) * dtype_size(dtype) <= storage->bytes(),
                "Tensor::view_of: {} elements of {} at offset {} exceed the storage's {} bytes", shape.numel(),
                dtype_name(dtype), offset, storage->bytes());
  auto impl = std::make_shared<detail::TensorImpl>();
  impl->storage = std::move(storage);
  impl->offset = offset;
  impl->shape = shape;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

// ---- Metadata and data ----------------------------------------------------------------------------
std::string Tensor::str() const {
  if (!defined()) return "undefined";
  return fmt::format("{}{} on {}", dtype_name(dtype()), shape().str(), context().name());
}

void* Tensor::raw_data() const {
  return static_cast<char*>(impl().storage->data()) + impl().offset * static_cast<std::int64_t>(dtype_size(dtype()));
}

template <class T> T* Tensor::data() const {
  PIGMENT_CHECK(dtype() == dtype_of<T>, "Tensor::data: tensor is {} but {} was requested", str(),
                dtype_name(dtype_of<T>));
  return static_cast<T*>(raw_data());
}
template float* Tensor::data<float>() const;
template double* Tensor::data<double>() const;

template <class T> std::vector<T> Tensor::to_vector() const {
  std::vector<T> out(static_cast<std::size_t>(numel()));
  visit_dtype(dtype(), [&]<class U>() {
    std::vector<U> host(static_cast<std::size_t>(numel()));
    context().copy_to_host(host.data(), raw_data(), nbytes());
    std::transform(host.begin(), host.end(), out.begin(), [](U v) { return static_cast<T>(v); });
  });
  return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;

double Tensor::item() const {
  PIGMENT_CHECK(numel() == 1, "Tensor::item: tensor {} has {} elements, expected 1", str(), numel());
  return to_vector<double>()[0];
}

// ---- Conversions and copies --------------------------------------------------------------------------
Tensor Tensor::to(const Device& dst_device) const {
  if (dst_device == device()) return *this;
  Tensor out = empty(shape(), dtype(), dst_device);
  out.copy_from(*this);
  return out;
}

Tensor Tensor::to(DType dst) const {
  if (dst == dtype()) return *this;
  PIGMENT_CHECK(is_cpu(), "Tensor::to({}): dtype conversion is implemented on the CPU; tensor is {}",
                dtype_name(dst), str());
  Tensor out = empty(shape(), dst, device());
  visit_dtype(dtype(), [&]<class S>() {
    visit_dtype(dst, [&]<class D>() {
      const S* s = data<S>();
      D* d = out.data<D>();
      for (std::int64_t i = 0; i < numel(); ++i) d[i] = static_cast<D>(s[i]);
    });
  });
  return out;
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype(), device());
  out.copy_from(*this);
  return out;
}

void Tensor::copy_from(const Tensor& src) const {
  PIGMENT_CHECK(src.shape() == shape() && src.dtype() == dtype(),
                "Tensor::copy_from: source {} does not match destination {}", src.str(), str());
  const bool src_cpu = src.is_cpu(), dst_cpu = is_cpu();
  if (src_cpu && dst_cpu) {
    context().copy_within(raw_data(), src.raw_data(), nbytes());
  } else if (src_cpu) {
    context().copy_from_host(raw_data(), src.raw_data(), nbytes());
  } else if (dst_cpu) {
    src.context().copy_to_host(raw_data(), src.raw_data(), nbytes());
  } else if (&src.context() == &context()) {
    context().copy_within(raw_data(), src.raw_data(), nbytes());
  } else {
    // Between two CUDA contexts: order after the source's work, stage through the host.
    std::vector<char> host(nbytes());
    src.context().copy_to_host(host.data(), src.raw_data(), nbytes());
    context().copy_from_host(raw_data(), host.data(), nbytes());
  }
}

void Tensor::fill_(double value) const {
  if (is_cpu()) {
    visit_dtype(dtype(), [&]<class T>() { std::fill_n(data<T>(), numel(), static_cast<T>(value)); });
  } else if constexpr (kCudaBuilt) {
    cuda::fill(as_cuda(context()), raw_data(), numel(), value, dtype());
  }
}

// ---- Autograd state ----------------------------------------------------------------------------------
Tensor& Tensor::set_requires_grad(bool requires_grad) {
  PIGMENT_CHECK(is_leaf(),
                "set_requires_grad: {} is the output of op '{}'; only leaves (inputs, parameters) can change "
                "requires_grad (use detach() to make a leaf)",
                str(), autograd::node_name(*grad_fn()));
  impl().requires_grad = requires_grad;
  return *this;
}

Tensor Tensor::grad() const { return Tensor(impl().grad); }

void Tensor::set_grad(const Tensor& grad) {
  if (grad.defined()) {
    PIGMENT_CHECK(grad.shape() == shape() && grad.dtype() == dtype() && grad.device() == device(),
                  "set_grad: gradient {} does not match tensor {}", grad.str(), str());
  }
  impl().grad = grad.impl_ptr();
}

void Tensor::zero_grad() const {
  if (impl().grad) Tensor(impl().grad).zero_();
}

Tensor Tensor::detach() const {
  auto impl_copy = std::make_shared<detail::TensorImpl>();
  impl_copy->storage = impl().storage;
  impl_copy->offset = impl().offset;
  impl_copy->shape = impl().shape;
  impl_copy->dtype = impl().dtype;
  return Tensor(std::move(impl_copy));
}

void Tensor::backward(const Tensor& grad, bool create_graph) const {
  autograd::backward({*this}, {grad}, create_graph);
}

// ---- Argument checks ---------------------------------------------------------------------------------
void check_defined(const char* op, const Tensor& t, const char* what) {
  PIGMENT_CHECK(t.defined(), "{}: {} is undefined", op, what);
}

void check_rank(const char* op, const Tensor& t, int rank, const char* what) {
  check_defined(op, t, what);
  PIGMENT_CHECK(t.rank() == rank, "{}: {} must have {} dimensions{}, got {}", op, what, rank,
                rank == 4 ? " (N, C, H, W)" : "", t.shape().str());
}

void check_same_shape(const char* op, const Tensor& a, const Tensor& b) {
  PIGMENT_CHECK(a.shape() == b.shape(), "{}: shapes must match, got {} and {}", op, a.shape().str(), b.shape().str());
}

void check_same_dtype_device(const char* op, const Tensor& a, const Tensor& b) {
  PIGMENT_CHECK(a.dtype() == b.dtype(), "{}: dtypes must match, got {} and {}", op, a.str(), b.str());
  PIGMENT_CHECK(a.device().same_kind(b.device()), "{}: tensors must be on the same device, got {} and {}", op,
                a.str(), b.str());
  PIGMENT_CHECK(a.device() == b.device(),
                "{}: tensors {} and {} are on two different contexts of {} (each Device::{}() call makes a new one, "
                "with its own allocator{}): make the device once and pass it, or move one with .to(device)",
                op, a.str(), b.str(), a.device().str(), a.is_cpu() ? "cpu" : "cuda",
                a.is_cpu() ? "" : " and stream");
}

void check_float32_on_cuda(const char* op, const Tensor& t) {
  PIGMENT_CHECK(!t.is_cuda() || t.dtype() == DType::f32,
                "{}: the CUDA backend computes in float32, got {} (float64 is for CPU gradient checks)", op, t.str());
}

}  // namespace pigment
