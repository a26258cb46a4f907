// cuBLAS's single-precision GEMMs on the host, for the SIMT device's library paths (--impl gemm:
// im2col + SGEMM convolutions, bmm, and the composed attention). The contract is cuBLAS's:
// column-major, C = α·op(A)·op(B) + β·C with C m×n, op(A) m×k, op(B) k×n, leading dimensions at
// least the stored rows, and C not read when β = 0 (so NaN-poisoned outputs stay clean). In
// CUBLAS_TF32_TENSOR_OP_MATH mode (Pigment's setting, as PyTorch's) the operands are rounded to
// TF32 as the tensor cores would take them; sums are in double, rounded once. The declarations
// are the toolkit's (cublas_api.h).
#include <cublas_v2.h>

#include <bit>
#include <cstdint>
#include <vector>

#include "engine/simt/harness.h"

struct cublasContext {
  cudaStream_t stream = nullptr;
  cublasMath_t math = CUBLAS_DEFAULT_MATH;
};

namespace pigment::simt {
namespace {
bool device(const void* p, std::int64_t elements) {
  return elements <= 0 || is_device_memory(p, static_cast<std::size_t>(elements) * sizeof(float));
}

float tf32(float x) {
  std::uint32_t u = std::bit_cast<std::uint32_t>(x);
  if ((u & 0x7F800000u) != 0x7F800000u) u = (u + 0x1000u) & 0xFFFFE000u;
  return std::bit_cast<float>(u);
}

// One GEMM; the matrices were checked to lie in device memory.
void sgemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* A, int lda, const float* B, int ldb,
           float beta, float* C, int ldc, bool round_tf32) {
  auto a = [&](int i, int p) {
    const float v = ta ? A[p + static_cast<std::int64_t>(i) * lda] : A[i + static_cast<std::int64_t>(p) * lda];
    return static_cast<double>(round_tf32 ? tf32(v) : v);
  };
  auto b = [&](int p, int j) {
    const float v = tb ? B[j + static_cast<std::int64_t>(p) * ldb] : B[p + static_cast<std::int64_t>(j) * ldb];
    return static_cast<double>(round_tf32 ? tf32(v) : v);
  };
#pragma omp parallel for schedule(static) if (static_cast<std::int64_t>(m) * n * k > (1 << 20))
  for (int j = 0; j < n; ++j) {
    std::vector<double> column(static_cast<std::size_t>(m), 0.0);
    for (int p = 0; p < k; ++p) {
      const double bpj = b(p, j);
      for (int i = 0; i < m; ++i) column[static_cast<std::size_t>(i)] += a(i, p) * bpj;
    }
    for (int i = 0; i < m; ++i) {
      float& c = C[i + static_cast<std::int64_t>(j) * ldc];
      const double scaled = static_cast<double>(alpha) * column[static_cast<std::size_t>(i)];
      c = static_cast<float>(beta == 0.0f ? scaled : scaled + static_cast<double>(beta) * c);
    }
  }
}

cublasStatus_t checked_sgemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                             const float* alpha, const float* A, int lda, long long stride_a, const float* B, int ldb,
                             long long stride_b, const float* beta, float* C, int ldc, long long stride_c,
                             int batches) {
  if (!h) return CUBLAS_STATUS_NOT_INITIALIZED;
  const bool tA = ta != CUBLAS_OP_N, tB = tb != CUBLAS_OP_N;
  const int a_rows = tA ? k : m, a_cols = tA ? m : k, b_rows = tB ? n : k, b_cols = tB ? k : n;
  if (m < 0 || n < 0 || k < 0 || batches < 0 || lda < std::max(1, a_rows) || ldb < std::max(1, b_rows) ||
      ldc < std::max(1, m) || !alpha || !beta)
    return CUBLAS_STATUS_INVALID_VALUE;
  if (m == 0 || n == 0 || batches == 0) return CUBLAS_STATUS_SUCCESS;
  auto extent = [&](int ld, int cols, long long stride) {
    return cols == 0 ? 0 : static_cast<std::int64_t>(batches - 1) * stride + static_cast<std::int64_t>(ld) * (cols - 1) + ld;
  };
  // Every matrix must be device memory, as on a GPU (a host matrix there is an illegal address).
  if ((k > 0 && (!device(A, extent(lda, a_cols, stride_a)) || !device(B, extent(ldb, b_cols, stride_b)))) ||
      !device(C, extent(ldc, n, stride_c)))
    return CUBLAS_STATUS_INVALID_VALUE;
  const bool round_tf32 = h->math == CUBLAS_TF32_TENSOR_OP_MATH && stream_options(h->stream).tf32;
  for (int batch = 0; batch < batches; ++batch)
    sgemm(tA, tB, m, n, k, *alpha, A + batch * stride_a, lda, B + batch * stride_b, ldb, *beta, C + batch * stride_c,
          ldc, round_tf32);
  return CUBLAS_STATUS_SUCCESS;
}
}  // namespace
}  // namespace pigment::simt

extern "C" {

cublasStatus_t cublasCreate_v2(cublasHandle_t* handle) {
  *handle = new cublasContext;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasDestroy_v2(cublasHandle_t handle) {
  delete handle;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetStream_v2(cublasHandle_t handle, cudaStream_t stream) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  handle->stream = stream;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode) {
  if (!handle) return CUBLAS_STATUS_NOT_INITIALIZED;
  handle->math = mode;
  return CUBLAS_STATUS_SUCCESS;
}

const char* cublasGetStatusName(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    default: return "CUBLAS_STATUS (SIMT)";
  }
}

const char* cublasGetStatusString(cublasStatus_t status) {
  switch (status) {
    case CUBLAS_STATUS_SUCCESS: return "success";
    case CUBLAS_STATUS_INVALID_VALUE: return "an invalid argument, or a matrix outside device memory (SIMT)";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "not emulated on the SIMT device";
    default: return "error (SIMT)";
  }
}

cublasStatus_t cublasSgemm_v2(cublasHandle_t handle, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                              const float* alpha, const float* A, int lda, const float* B, int ldb, const float* beta,
                              float* C, int ldc) {
  return pigment::simt::checked_sgemm(handle, ta, tb, m, n, k, alpha, A, lda, 0, B, ldb, 0, beta, C, ldc, 0, 1);
}

cublasStatus_t cublasSgemmStridedBatched(cublasHandle_t handle, cublasOperation_t ta, cublasOperation_t tb, int m,
                                         int n, int k, const float* alpha, const float* A, int lda, long long stride_a,
                                         const float* B, int ldb, long long stride_b, const float* beta, float* C,
                                         int ldc, long long stride_c, int batches) {
  return pigment::simt::checked_sgemm(handle, ta, tb, m, n, k, alpha, A, lda, stride_a, B, ldb, stride_b, beta, C,
                                      ldc, stride_c, batches);
}

// Only the float32 case is emulated (the benchmarks' bf16 roofline has no meaning on the CPU).
cublasStatus_t cublasGemmEx(cublasHandle_t handle, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
                            const void* alpha, const void* A, cudaDataType a_type, int lda, const void* B,
                            cudaDataType b_type, int ldb, const void* beta, void* C, cudaDataType c_type, int ldc,
                            cublasComputeType_t compute, cublasGemmAlgo_t) {
  if (a_type != CUDA_R_32F || b_type != CUDA_R_32F || c_type != CUDA_R_32F || compute != CUBLAS_COMPUTE_32F)
    return CUBLAS_STATUS_NOT_SUPPORTED;
  return pigment::simt::checked_sgemm(handle, ta, tb, m, n, k, static_cast<const float*>(alpha),
                                      static_cast<const float*>(A), lda, 0, static_cast<const float*>(B), ldb, 0,
                                      static_cast<const float*>(beta), static_cast<float*>(C), ldc, 0, 1);
}

}  // extern "C"
