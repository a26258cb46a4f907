// matmul and bmm on CUDA: the tensor-core GEMM engine with plain strided loaders, or cuBLAS when
// the context's convolution implementation is a library one (the same switch picks the path). The
// cuBLAS path multiplies in full FP32, as PyTorch's matmuls do by default
// (torch.backends.cuda.matmul.allow_tf32 = False), while its convolutions use TF32 (cudnn.allow_tf32
// = True): the library composition of attention then rounds like PyTorch's, and its exact zeros —
// the key bias's gradient, Σ_k dS_qk = 0 under softmax — survive the bmm of dS.
#include "kernels/cuda/common.cuh"
#include "kernels/cuda/gemm_tc.cuh"
#include "kernels/raw/matmul.h"

namespace pigment::cuda {

namespace {
template <bool TA, bool TB> struct MatmulLoader {
  static constexpr bool a_k_fastest = !TA, b_n_fastest = !TB;
  const float* a_data;
  const float* b_data;
  std::int64_t m, n, k;
  __device__ float a(int batch, std::int64_t i, std::int64_t p) const {
    return a_data[batch * m * k + (TA ? p * m + i : i * k + p)];
  }
  __device__ float b(int batch, std::int64_t p, std::int64_t j) const {
    return b_data[batch * k * n + (TB ? j * k + p : p * n + j)];
  }
};

struct MatmulEpilogue {
  float* c;
  std::int64_t m, n;
  __device__ void store(int batch, std::int64_t i, std::int64_t j, float v) const { c[batch * m * n + i * n + j] = v; }
};

template <bool TA, bool TB>
void run_custom(CudaContext& ctx, int batches, std::int64_t m, std::int64_t n, std::int64_t k, const float* a,
                const float* b, float* c) {
  gemm::run(ctx, "matmul_custom", gemm::Shape{m, n, k}, batches, MatmulLoader<TA, TB>{a, b, m, n, k},
            MatmulEpilogue{c, m, n});
}
}  // namespace

void matmul(CudaContext& ctx, int batches, bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
            const float* a, const float* b, float* c) {
  // cuBLAS rejects zero leading dimensions; the engine handles empty sizes (K = 0 writes zeros).
  const bool empty = m == 0 || n == 0 || k == 0;
  if (!empty && ctx.kernel_choice().matmul == MatmulImpl::cublas) {
    // Row-major C = op(A)·op(B) as column-major Cᵀ = op(B)ᵀ·op(A)ᵀ, strided over the batch.
    const float one = 1.0f, zero = 0.0f;
    struct Fp32Math {  // the context's TF32 mode is restored however the call ends
      cublasHandle_t handle;
      explicit Fp32Math(cublasHandle_t h) : handle(h) { PIGMENT_CUBLAS_CHECK(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH)); }
      ~Fp32Math() { cublasSetMathMode(handle, CUBLAS_TF32_TENSOR_OP_MATH); }
    } fp32(ctx.cublas());
    PIGMENT_CUBLAS_CHECK(cublasSgemmStridedBatched(
        ctx.cublas(), tb ? CUBLAS_OP_T : CUBLAS_OP_N, ta ? CUBLAS_OP_T : CUBLAS_OP_N, static_cast<int>(n),
        static_cast<int>(m), static_cast<int>(k), &one, b, static_cast<int>(tb ? k : n), k * n, a,
        static_cast<int>(ta ? m : k), m * k, &zero, c, static_cast<int>(n), m * n, batches));
    return;
  }
  if (!ta && !tb) return run_custom<false, false>(ctx, batches, m, n, k, a, b, c);
  if (ta && !tb) return run_custom<true, false>(ctx, batches, m, n, k, a, b, c);
  if (!ta && tb) return run_custom<false, true>(ctx, batches, m, n, k, a, b, c);
  run_custom<true, true>(ctx, batches, m, n, k, a, b, c);
}

namespace {
struct AddRowBias {
  std::int64_t cols;
  const float* bias;
  float* y;
  __device__ void operator()(std::int64_t i) const { y[i] += bias[i % cols]; }
};
}  // namespace

void add_row_bias(CudaContext& ctx, std::int64_t rows, std::int64_t cols, const float* bias, float* y) {
  for_each(ctx, "add_row_bias", rows * cols, AddRowBias{cols, bias, y});
}

}  // namespace pigment::cuda
