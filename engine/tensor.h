#pragma once
// Tensor: a handle to contiguous, reference-counted data of up to 4 dimensions (NCHW for images),
// float32 or float64, on the CPU or a CUDA device, plus the autograd state (requires_grad, the
// node that produced it, the accumulated gradient).
//
// Copying a Tensor copies the handle: both names see the same data and the same autograd state,
// as in PyTorch. clone() copies the data.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/device.h"
#include "engine/dtype.h"
#include "engine/error.h"
#include "engine/shape.h"
#include "engine/storage.h"

namespace pigment {

class Node;
class Tensor;

namespace detail {
struct TensorImpl {
  std::shared_ptr<Storage> storage;
  std::int64_t offset = 0;  // in elements
  Shape shape;
  DType dtype = DType::f32;

  // Autograd state.
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;         // the op that produced this tensor (null for leaves)
  int output_nr = 0;                     // which output of grad_fn
  std::weak_ptr<Node> grad_accumulator;  // leaves: the node that accumulates into grad
  std::shared_ptr<TensorImpl> grad;      // accumulated gradient of a leaf
  std::string name;                      // parameters carry their state_dict key
  // Leaves: called after each accumulation into grad (data parallelism starts the all-reduce of a
  // bucket whose gradients are all in: engine/distributed/gradient_reducer.h).
  std::function<void()> grad_accumulated;
};
}  // namespace detail

class Tensor {
 public:
  Tensor() = default;  // undefined: no data (an absent optional input or gradient)

  // ---- Factories ------------------------------------------------------------------------
  static Tensor empty(const Shape& shape, DType dtype, const Device& device);
  static Tensor zeros(const Shape& shape, DType dtype, const Device& device);
  static Tensor full(const Shape& shape, double value, DType dtype, const Device& device);
  static Tensor scalar(double value, DType dtype, const Device& device) { return full({}, value, dtype, device); }
  // Copies host values (converted to dtype) into a new tensor on `device`.
  template <class T>
  static Tensor from_vector(const Shape& shape, const std::vector<T>& values, const Device& device,
                            DType dtype = dtype_of<T>);
  static Tensor empty_like(const Tensor& t) { return empty(t.shape(), t.dtype(), t.device()); }
  static Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.dtype(), t.device()); }
  // A tensor viewing `shape.numel()` elements of `storage` from element `offset` (flat buffers).
  static Tensor view_of(std::shared_ptr<Storage> storage, std::int64_t offset, const Shape& shape, DType dtype);

  // ---- Metadata ---------------------------------------------------------------------------
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl().shape; }
  int rank() const { return shape().rank(); }
  std::int64_t dim(int i) const { return shape()[i]; }
  std::int64_t numel() const { return shape().numel(); }
  DType dtype() const { return impl().dtype; }
  Device device() const { return Device(impl().storage->context_ptr()); }
  Context& context() const { return impl().storage->context(); }
  bool is_cpu() const { return context().type() == DeviceType::cpu; }
  bool is_cuda() const { return context().type() == DeviceType::cuda || context().type() == DeviceType::simt; }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel()) * dtype_size(dtype()); }
  const std::shared_ptr<Storage>& storage() const { return impl().storage; }
  std::int64_t storage_offset() const { return impl().offset; }
  // "float32[1, 3, 7, 7] on cpu"
  std::string str() const;
  const std::string& name() const { return impl().name; }
  void set_name(std::string name) { impl().name = std::move(name); }

  // ---- Data access ----------------------------------------------------------------------------
  // Pointer to the first element (a device pointer for CUDA tensors). Checks the dtype.
  template <class T> T* data() const;
  void* raw_data() const;
  // Host copy of the elements converted to T.
  template <class T> std::vector<T> to_vector() const;
  // The value of a one-element tensor.
  double item() const;

  // ---- Conversions and copies (not recorded by autograd) ----------------------------------------
  Tensor to(const Device& device) const;
  Tensor to(DType dtype) const;  // CPU only
  Tensor clone() const;
  // In-place writes. They are const because a Tensor is a handle: they change the data it points
  // to, never which data that is.
  // Copies the elements of `src` (same shape and dtype, any device) into this tensor.
  void copy_from(const Tensor& src) const;
  void fill_(double value) const;
  void zero_() const { fill_(0.0); }

  // ---- Autograd -------------------------------------------------------------------------------
  bool requires_grad() const { return defined() && impl().requires_grad; }
  // Marks a leaf as a trainable input (or freezes it). Only leaves may change this.
  Tensor& set_requires_grad(bool requires_grad);
  bool is_leaf() const { return impl().grad_fn == nullptr; }
  const std::shared_ptr<Node>& grad_fn() const { return impl().grad_fn; }
  int output_nr() const { return impl().output_nr; }
  // The accumulated gradient of a leaf (undefined until a backward pass reaches it).
  Tensor grad() const;
  void set_grad(const Tensor& grad);
  // Sets the accumulated gradient to zero (keeping its storage, so flat gradient buffers stay put).
  void zero_grad() const;
  // The same data without autograd history (and requires_grad false).
  Tensor detach() const;
  // Runs reverse-mode differentiation from this tensor (a scalar unless `grad` is given).
  void backward(const Tensor& grad = Tensor(), bool create_graph = false) const;

  // Identity of the underlying handle (two Tensors that are the same tensor).
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }
  const std::shared_ptr<detail::TensorImpl>& impl_ptr() const { return impl_; }
  explicit Tensor(std::shared_ptr<detail::TensorImpl> impl) : impl_(std::move(impl)) {}

 private:
  detail::TensorImpl& impl() const {
    PIGMENT_CHECK(impl_ != nullptr, "use of an undefined Tensor");
    return *impl_;
  }
  std::shared_ptr<detail::TensorImpl> impl_;
};

// ---- Argument checks shared by every op: each names the op, the shapes and the expectation ----
void check_defined(const char* op, const Tensor& t, const char* what);
void check_rank(const char* op, const Tensor& t, int rank, const char* what);
void check_same_shape(const char* op, const Tensor& a, const Tensor& b);
void check_same_dtype_device(const char* op, const Tensor& a, const Tensor& b);
void check_float32_on_cuda(const char* op, const Tensor& t);

}  // namespace pigment
