#pragma once
// The CUDA members of the PIGMENT_*CHECK family (engine/error.h): each checks a status code and
// throws pigment::Error naming the expression, the function, the file and the line.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include "engine/error.h"

namespace pigment::detail {
[[noreturn]] void cuda_fail(const char* expr, cudaError_t status, const char* func, const char* file, int line);
[[noreturn]] void cublas_fail(const char* expr, cublasStatus_t status, const char* func, const char* file, int line);
[[noreturn]] void cudnn_fail(const char* expr, cudnnStatus_t status, const char* func, const char* file, int line);
}  // namespace pigment::detail

#define PIGMENT_CUDA_CHECK(expr)                                                                   \
  do {                                                                                             \
    const cudaError_t pigment_status_ = (expr);                                                    \
    if (pigment_status_ != cudaSuccess) [[unlikely]]                                               \
      ::pigment::detail::cuda_fail(#expr, pigment_status_, __func__, __FILE__, __LINE__);          \
  } while (0)

#define PIGMENT_CUBLAS_CHECK(expr)                                                                 \
  do {                                                                                             \
    const cublasStatus_t pigment_status_ = (expr);                                                 \
    if (pigment_status_ != CUBLAS_STATUS_SUCCESS) [[unlikely]]                                     \
      ::pigment::detail::cublas_fail(#expr, pigment_status_, __func__, __FILE__, __LINE__);        \
  } while (0)

#define PIGMENT_CUDNN_CHECK(expr)                                                                  \
  do {                                                                                             \
    const cudnnStatus_t pigment_status_ = (expr);                                                  \
    if (pigment_status_ != CUDNN_STATUS_SUCCESS) [[unlikely]]                                      \
      ::pigment::detail::cudnn_fail(#expr, pigment_status_, __func__, __FILE__, __LINE__);         \
  } while (0)
