#pragma once
// Storage: one reference-counted allocation in one device context. Tensors share storages;
// views (reshape, slices of a flat parameter buffer) are a storage plus an element offset.
#include <cstddef>
#include <memory>

#include "engine/context.h"

namespace pigment {

class Storage {
 public:
  Storage(std::shared_ptr<Context> ctx, std::size_t bytes)
      : ctx_(std::move(ctx)), bytes_(bytes), data_(ctx_->allocate(bytes)) {}
  ~Storage() { ctx_->deallocate(data_, bytes_); }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  std::size_t bytes() const { return bytes_; }
  Context& context() const { return *ctx_; }
  const std::shared_ptr<Context>& context_ptr() const { return ctx_; }

 private:
  std::shared_ptr<Context> ctx_;
  std::size_t bytes_;
  void* data_;
};

}  // namespace pigment
