// Small-integer inputs make every product and sum exact in TF32 and FP32, so the CUDA convolution
// and GEMM paths (zero and reflection padding) must equal the CPU reference bit for bit: a
// difference is an indexing bug, not rounding. (cuDNN is left out: it may choose Winograd or FFT algorithms, which are not exact.)
#include <catch2/catch.hpp>

#include "tests/gpu/gpu_device.h"

#include "kernels/ops.h"

using namespace pigment;

namespace {
Tensor small_ints(const Shape& s, Rng& gen, const Device& d) {
  std::vector<double> v(static_cast<std::size_t>(s.numel()));
  for (double& x : v) x = static_cast<double>(gen.uniform_int(7) - 3);
  return Tensor::from_vector(s, v, d, DType::f32);
}
}  // namespace

TEST_CASE("conv, transposed conv, weight gradient and matmul are bit-exact on small integers", "[gpu][exact]") {
  const Device cpu = Device::cpu(), gpu = test_gpu();
  set_allocator_checks(gpu, {true, 256});
  for (const char* impl : {"custom", "gemm"}) {
    set_kernel_choice(gpu, KernelChoice::preset(kConvImplNames.parse(impl, "implementation")));
    Rng gen(3);
    struct Case {
      Shape x, w;
      Conv2dParams p;
    };
    for (const Case& c : {Case{{3, 5, 7, 9}, {4, 5, 3, 3}, {1, 1}}, Case{{2, 3, 31, 31}, {6, 3, 4, 4}, {2, 1}},
                          Case{{1, 64, 16, 16}, {33, 64, 3, 3}, {1, 0}}, Case{{1, 512, 2, 2}, {512, 512, 4, 4}, {2, 1}},
                          Case{{2, 6, 9, 8}, {5, 6, 3, 3}, {1, 1, PadMode::reflect}},
                          Case{{1, 3, 12, 10}, {4, 3, 7, 7}, {2, 3, PadMode::reflect}}}) {
      INFO(impl << " x" << c.x.str() << " w" << c.w.str());
      const Tensor x = small_ints(c.x, gen, cpu), w = small_ints(c.w, gen, cpu), b = small_ints({c.w[0]}, gen, cpu);
      const Tensor y = conv2d(x, w, b, c.p);
      CHECK(conv2d(x.to(gpu), w.to(gpu), b.to(gpu), c.p).to_vector<float>() == y.to_vector<float>());
      const Tensor dy = small_ints(y.shape(), gen, cpu);
      CHECK(conv2d_weight_grad(x.to(gpu), dy.to(gpu), c.w[2], c.w[3], c.p).to_vector<float>() ==
            conv2d_weight_grad(x, dy, c.w[2], c.w[3], c.p).to_vector<float>());
      const ConvGeometry g = conv2d_geometry("test", c.x, c.w, c.p);
      CHECK(conv2d_input_grad(dy.to(gpu), w.to(gpu), g).to_vector<float>() ==
            conv2d_input_grad(dy, w, g).to_vector<float>());
      verify_allocator_guards(gpu);
    }
    const Tensor a = small_ints({3, 37, 70}, gen, cpu), m = small_ints({3, 70, 45}, gen, cpu);
    CHECK(bmm(a.to(gpu), m.to(gpu)).to_vector<float>() == bmm(a, m).to_vector<float>());
  }
}

TEST_CASE("dropout draws the same mask on both devices", "[gpu][exact]") {
  const Device cpu = Device::cpu(), gpu = test_gpu();
  const Tensor x = Tensor::full({3, 5, 31, 33}, 1.0, DType::f32, cpu);
  for (double p : {0.1, 0.5, 0.9})
    CHECK(dropout(x.to(gpu), p, 77, 1024).to_vector<float>() == dropout(x, p, 77, 1024).to_vector<float>());
}
