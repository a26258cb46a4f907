// The cuDNN convolution paths in SIMT builds, in place of conv_cudnn.cu: cuDNN is a closed
// library whose kernels the harness cannot run, so asking for it is an error that says what to
// use instead. (set_kernel_choice refuses cuDNN on the SIMT device before any of these
// is reached; auto selection never times cuDNN there.)
#include "engine/error.h"
#include "kernels/cuda/conv_impl.h"

namespace pigment::cuda {

namespace {
[[noreturn]] void unavailable(const char* pass) {
  PIGMENT_FAIL("conv2d {} through cuDNN: cuDNN is not available on the SIMT device; use the custom or gemm "
               "implementation",
               pass);
}
}  // namespace

void conv_fprop_cudnn(CudaContext&, const ConvGeometry&, const float*, const float*, const float*, float*) {
  unavailable("fprop");
}
void conv_dgrad_cudnn(CudaContext&, const ConvGeometry&, const float*, const float*, const float*, float*) {
  unavailable("dgrad");
}
void conv_wgrad_cudnn(CudaContext&, const ConvGeometry&, const float*, const float*, float*) { unavailable("wgrad"); }

}  // namespace pigment::cuda
