// cuDNN on the SIMT device: a handle and nothing it could run. cuDNN is a closed library whose
// kernels the harness cannot execute, so its convolution paths are absent from SIMT builds
// (kernels/cuda/conv_cudnn_simt.cpp says so when one is asked for) and auto selection skips them;
// the context still creates its handle as on a GPU. Declarations: the toolkit's cudnn_graph.h.
#include <cudnn.h>

struct cudnnContext {
  cudaStream_t stream = nullptr;
};

extern "C" {

cudnnStatus_t cudnnCreate(cudnnHandle_t* handle) {
  *handle = new cudnnContext;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroy(cudnnHandle_t handle) {
  delete handle;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetStream(cudnnHandle_t handle, cudaStream_t stream) {
  if (!handle) return CUDNN_STATUS_BAD_PARAM;
  handle->stream = stream;
  return CUDNN_STATUS_SUCCESS;
}

const char* cudnnGetErrorString(cudnnStatus_t status) {
  return status == CUDNN_STATUS_SUCCESS ? "CUDNN_STATUS_SUCCESS" : "cuDNN is not available on the SIMT device";
}

}  // extern "C"
