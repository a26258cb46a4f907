// Convolution through cuDNN's legacy API. Descriptors are set up per call (host work only); the
// algorithm of each shape and pass comes from cuDNN's heuristics (the first whose workspace fits
// 256 MiB) and is kept in the context.
#include <string>

#include "kernels/cuda/common.cuh"
#include "kernels/cuda/conv_impl.h"

namespace pigment::cuda {

namespace {
constexpr std::size_t kWorkspaceLimit = std::size_t{256} << 20;

// RAII for one convolution's four descriptors.
struct Descriptors {
  cudnnTensorDescriptor_t image = nullptr, output = nullptr;
  cudnnFilterDescriptor_t filter = nullptr;
  cudnnConvolutionDescriptor_t conv = nullptr;

  explicit Descriptors(const ConvGeometry& g) {
    PIGMENT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&image));
    PIGMENT_CUDNN_CHECK(cudnnCreateTensorDescriptor(&output));
    PIGMENT_CUDNN_CHECK(cudnnCreateFilterDescriptor(&filter));
    PIGMENT_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&conv));
    auto i = [](std::int64_t v) { return static_cast<int>(v); };
    PIGMENT_CUDNN_CHECK(
        cudnnSetTensor4dDescriptor(image, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, i(g.n), i(g.c), i(g.h), i(g.w)));
    PIGMENT_CUDNN_CHECK(
        cudnnSetTensor4dDescriptor(output, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, i(g.n), i(g.k), i(g.oh), i(g.ow)));
    PIGMENT_CUDNN_CHECK(
        cudnnSetFilter4dDescriptor(filter, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, i(g.k), i(g.c), i(g.kh), i(g.kw)));
    PIGMENT_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv, g.pad, g.pad, g.stride, g.stride, 1, 1,
                                                        CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    // FP32 data may run on TF32 tensor cores, as PyTorch lets cuDNN do by default.
    PIGMENT_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, CUDNN_DEFAULT_MATH));
  }
  ~Descriptors() {
    cudnnDestroyConvolutionDescriptor(conv);
    cudnnDestroyFilterDescriptor(filter);
    cudnnDestroyTensorDescriptor(output);
    cudnnDestroyTensorDescriptor(image);
  }
  Descriptors(const Descriptors&) = delete;
  Descriptors& operator=(const Descriptors&) = delete;
};

std::string shape_key(const char* pass, const ConvGeometry& g) {
  return fmt::format("cudnn {} n{} c{} {}x{} k{} {}x{} s{} p{}", pass, g.n, g.c, g.h, g.w, g.k, g.kh, g.kw, g.stride,
                     g.pad);
}

// The first heuristic candidate that succeeded, is deterministic (some backward algorithms add
// with atomics, which would make training runs differ) and whose workspace fits.
template <class Perf> int pick(const Perf* perf, int count, const char* pass) {
  for (int i = 0; i < count; ++i)
    if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].determinism == CUDNN_DETERMINISTIC &&
        perf[i].memory <= kWorkspaceLimit)
      return static_cast<int>(perf[i].algo);
  PIGMENT_FAIL("cuDNN offers no deterministic {} algorithm for this convolution within {} MiB of workspace", pass,
               kWorkspaceLimit >> 20);
}
}  // namespace

void conv_fprop_cudnn(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* w, const float* bias,
                      float* y) {
  Descriptors d(g);
  const std::string key = shape_key("fprop", g);
  int algo;
  if (const int* cached = ctx.cached_int(key)) {
    algo = *cached;
  } else {
    cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
    int count = 0;
    PIGMENT_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(ctx.cudnn(), d.image, d.filter, d.conv, d.output,
                                                               CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &count, perf));
    algo = pick(perf, count, "forward");
    ctx.set_cached_int(key, algo);
  }
  const auto a = static_cast<cudnnConvolutionFwdAlgo_t>(algo);
  std::size_t bytes = 0;
  PIGMENT_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(ctx.cudnn(), d.image, d.filter, d.conv, d.output, a, &bytes));
  const float one = 1.0f, zero = 0.0f;
  PIGMENT_CUDNN_CHECK(cudnnConvolutionForward(ctx.cudnn(), &one, d.image, x, d.filter, w, d.conv, a,
                                              bytes ? ctx.workspace(bytes) : nullptr, bytes, &zero, d.output, y));
  add_channel_bias(ctx, y, bias, g.n, g.k, g.output_plane());
}

void conv_dgrad_cudnn(CudaContext& ctx, const ConvGeometry& g, const float* dy, const float* w, const float* bias,
                      float* dx) {
  Descriptors d(g);
  const std::string key = shape_key("dgrad", g);
  int algo;
  if (const int* cached = ctx.cached_int(key)) {
    algo = *cached;
  } else {
    cudnnConvolutionBwdDataAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT];
    int count = 0;
    PIGMENT_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(ctx.cudnn(), d.filter, d.output, d.conv, d.image,
                                                                    CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT, &count, perf));
    algo = pick(perf, count, "backward-data");
    ctx.set_cached_int(key, algo);
  }
  const auto a = static_cast<cudnnConvolutionBwdDataAlgo_t>(algo);
  std::size_t bytes = 0;
  PIGMENT_CUDNN_CHECK(
      cudnnGetConvolutionBackwardDataWorkspaceSize(ctx.cudnn(), d.filter, d.output, d.conv, d.image, a, &bytes));
  const float one = 1.0f, zero = 0.0f;
  PIGMENT_CUDNN_CHECK(cudnnConvolutionBackwardData(ctx.cudnn(), &one, d.filter, w, d.output, dy, d.conv, a,
                                                   bytes ? ctx.workspace(bytes) : nullptr, bytes, &zero, d.image, dx));
  add_channel_bias(ctx, dx, bias, g.n, g.c, g.image_plane());
}

void conv_wgrad_cudnn(CudaContext& ctx, const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  Descriptors d(g);
  const std::string key = shape_key("wgrad", g);
  int algo;
  if (const int* cached = ctx.cached_int(key)) {
    algo = *cached;
  } else {
    cudnnConvolutionBwdFilterAlgoPerf_t perf[CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT];
    int count = 0;
    PIGMENT_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(
        ctx.cudnn(), d.image, d.output, d.conv, d.filter, CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT, &count, perf));
    algo = pick(perf, count, "backward-filter");
    ctx.set_cached_int(key, algo);
  }
  const auto a = static_cast<cudnnConvolutionBwdFilterAlgo_t>(algo);
  std::size_t bytes = 0;
  PIGMENT_CUDNN_CHECK(
      cudnnGetConvolutionBackwardFilterWorkspaceSize(ctx.cudnn(), d.image, d.output, d.conv, d.filter, a, &bytes));
  const float one = 1.0f, zero = 0.0f;
  PIGMENT_CUDNN_CHECK(cudnnConvolutionBackwardFilter(ctx.cudnn(), &one, d.image, x, d.output, dy, d.conv, a,
                                                     bytes ? ctx.workspace(bytes) : nullptr, bytes, &zero, d.filter,
                                                     dw));
}

}  // namespace pigment::cuda
