#pragma once
// Pigment's one error-check macro family.
//
//   PIGMENT_CHECK(cond, fmt, args...)   user-facing precondition: throws pigment::Error with the
//                                       formatted message (which names the op, the shapes and what
//                                       was expected) when cond is false.
//   PIGMENT_FAIL(fmt, args...)          throws unconditionally.
//   PIGMENT_CUDA_CHECK(expr)            (engine/cuda/cuda_check.h) CUDA runtime status codes,
//   PIGMENT_CUBLAS_CHECK(expr)          cuBLAS and cuDNN statuses: the message names the
//   PIGMENT_CUDNN_CHECK(expr)           expression, the function, the file and the line.
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace pigment {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
[[noreturn]] inline void throw_error(std::string message) { throw Error(std::move(message)); }
}  // namespace detail

}  // namespace pigment

#define PIGMENT_FAIL(...) ::pigment::detail::throw_error(::fmt::format(__VA_ARGS__))

#define PIGMENT_CHECK(cond, ...)                \
  do {                                          \
    if (!(cond)) [[unlikely]] {                 \
      PIGMENT_FAIL(__VA_ARGS__);                \
    }                                           \
  } while (0)
