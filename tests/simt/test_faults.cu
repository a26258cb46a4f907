// The SIMT harness against faults it must catch: each test plants one in a small kernel and asserts
// that it is detected. Compiled as a CUDA source (the harness's header force-included); SIMT builds
// only. The faults that only a sanitizer sees (a race between barriers, an overrun in a plain
// build's slack) have planted twins in planted_faults.cu, run by CTest under ASan and TSan.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "engine/cuda/cuda_context.h"
#include "engine/cuda/launch.cuh"
#include "engine/tensor.h"
#include "kernels/cuda/gemm_tc.cuh"
#include "tests/simt/planted_kernels.cuh"
#include "tests/simt/simt_test_support.h"

using namespace pigment;
using namespace pigment::simt_test;

namespace {
__global__ void barrier_in_divergent_code(float* out) {
  if (threadIdx.x < 32) __syncthreads();  // threads 32… have returned: they never arrive
  out[threadIdx.x] = 1.0f;
}

__global__ void barriers_at_two_sites(float* out) {
  if (threadIdx.x % 2 == 0) {
    out[threadIdx.x] = 1.0f;
    __syncthreads();
  } else {
    out[threadIdx.x] = 2.0f;
    __syncthreads();
  }
}

__global__ void shuffle_in_divergent_code(float* out) {
  float v = static_cast<float>(threadIdx.x);
  if (threadIdx.x < 16) v = __shfl_xor_sync(0xffffffffu, v, 1);  // lanes 16–31 never come
  out[threadIdx.x] = v;
}

__global__ void shuffle_past_a_short_warp(float* out) {
  out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, 1.0f, 1);  // a 16-thread block: lanes 16–31 do not exist
}

__global__ void read_dynamic_shared(float* out) {
  PIGMENT_EXTERN_SHARED(float, s);
  out[threadIdx.x] = s[threadIdx.x];  // never written
}

__global__ void copy_kernel(const float* in, float* out, int n) {
  if (static_cast<int>(threadIdx.x) < n) out[threadIdx.x] = in[threadIdx.x];
}

// out[b] = out[b − 1] + 1: a dependence between blocks of one launch, which a GPU does not order.
__global__ void chain_across_blocks(float* out) {
  if (threadIdx.x == 0) out[blockIdx.x] = blockIdx.x == 0 ? 1.0f : out[blockIdx.x - 1] + 1.0f;
}

// D = A·B for one 16×8×8 tile through gemm_tc.cuh's mma, the fragments loaded in the PTX ISA's
// layout — or with a1 and a2 exchanged.
template <bool kSwapped> __global__ void mma_tile(const float* a, const float* b, float* d) {
  const int lane = static_cast<int>(threadIdx.x), g = lane / 4, t = lane % 4;
  std::uint32_t fa[4] = {cuda::gemm::to_tf32(a[g * 8 + t]), cuda::gemm::to_tf32(a[(g + 8) * 8 + t]),
                         cuda::gemm::to_tf32(a[g * 8 + t + 4]), cuda::gemm::to_tf32(a[(g + 8) * 8 + t + 4])};
  if (kSwapped) {
    const std::uint32_t keep = fa[1];
    fa[1] = fa[2];
    fa[2] = keep;
  }
  const std::uint32_t fb[2] = {cuda::gemm::to_tf32(b[t * 8 + g]), cuda::gemm::to_tf32(b[(t + 4) * 8 + g])};
  float c[4] = {0, 0, 0, 0};
  cuda::gemm::mma_tf32(c, fa, fb);
  d[g * 8 + 2 * t] = c[0];
  d[g * 8 + 2 * t + 1] = c[1];
  d[(g + 8) * 8 + 2 * t] = c[2];
  d[(g + 8) * 8 + 2 * t + 1] = c[3];
}
}  // namespace

TEST_CASE("a __syncthreads that some threads never reach is reported", "[simt][faults]") {
  Simt simt;
  DeviceFloats out(simt, 64);
  CHECK_THROWS_WITH(cuda::launch(simt.ctx(), "barrier_in_divergent_code", 1, 64, 0, barrier_in_divergent_code, out.get()),
                    Catch::Contains("reached by 32 of 64 threads") && Catch::Contains("barrier_in_divergent_code") &&
                        Catch::Contains("test_faults.cu"));
}

TEST_CASE("threads waiting at different __syncthreads are reported", "[simt][faults]") {
  Simt simt;
  DeviceFloats out(simt, 64);
  CHECK_THROWS_WITH(cuda::launch(simt.ctx(), "barriers_at_two_sites", 1, 64, 0, barriers_at_two_sites, out.get()),
                    Catch::Contains("different __syncthreads"));
}

TEST_CASE("a shuffle in divergent code is reported as a deadlock", "[simt][faults]") {
  Simt simt;
  DeviceFloats out(simt, 32);
  CHECK_THROWS_WITH(cuda::launch(simt.ctx(), "shuffle_in_divergent_code", 1, 32, 0, shuffle_in_divergent_code, out.get()),
                    Catch::Contains("deadlock"));
}

TEST_CASE("a shuffle whose mask names lanes past a short warp is reported", "[simt][faults]") {
  Simt simt;
  DeviceFloats out(simt, 16);
  CHECK_THROWS_WITH(cuda::launch(simt.ctx(), "shuffle_past_a_short_warp", 1, 16, 0, shuffle_past_a_short_warp, out.get()),
                    Catch::Contains("names lanes past"));
}

TEST_CASE("uninitialised dynamic shared memory reads as NaN", "[simt][faults]") {
  Simt simt;
  DeviceFloats out(simt, 64);
  cuda::launch(simt.ctx(), "read_dynamic_shared", 2, 64, 64 * sizeof(float), read_dynamic_shared, out.get());
  for (float v : out.read()) CHECK(std::isnan(v));
}

TEST_CASE("a write past the end of dynamic shared memory is reported", "[simt][faults]") {
  Simt simt;
  if (kAddressSanitizer) return;  // there ASan reports it as it happens (planted_faults.cu)
  CHECK_THROWS_WITH(
      cuda::launch(simt.ctx(), "write_past_dynamic_shared", 1, 32, 40 * sizeof(float), write_past_dynamic_shared, 40),
      Catch::Contains("past the end of the block's 160 bytes of dynamic shared memory"));
}

TEST_CASE("a write one past a device allocation is caught by its guard bytes", "[simt][faults]") {
  Simt simt;
  if (kAddressSanitizer) return;  // there the guard is a redzone: ASan reports it (planted_faults.cu)
  set_allocator_checks(simt.device(), {true, 256});
  DeviceFloats out(simt, 100);
  cuda::launch(simt.ctx(), "write_one_past", 1, 32, 0, write_one_past, out.get(), 100);
  CHECK_THROWS_WITH(verify_allocator_guards(simt.device()), Catch::Contains("guard bytes overwritten"));
}

TEST_CASE("a host pointer passed to a kernel is refused", "[simt][faults]") {
  Simt simt;
  std::vector<float> host(32, 1.0f);
  DeviceFloats out(simt, 32);
  CHECK_THROWS_WITH(cuda::launch(simt.ctx(), "copy_kernel", 1, 32, 0, copy_kernel,
                                 static_cast<const float*>(host.data()), out.get(), 32),
                    Catch::Contains("argument 0") && Catch::Contains("not device memory"));
}

TEST_CASE("a copy between host and device memory in the wrong direction is refused", "[simt][faults]") {
  Simt simt;
  std::vector<float> host(8, 1.0f), other(8);
  DeviceFloats d(simt, 8);
  CHECK_THROWS_WITH(simt.ctx().copy_to_host(other.data(), host.data(), 8 * sizeof(float)),
                    Catch::Contains("not device memory"));
  CHECK_NOTHROW(simt.ctx().copy_to_host(other.data(), d.get(), 8 * sizeof(float)));
}

TEST_CASE("an invalid launch configuration is refused as on a GPU", "[simt][faults]") {
  Simt simt;
  DeviceFloats out(simt, 32);
  CHECK_THROWS_WITH(cuda::launch(simt.ctx(), "copy_kernel", 1, 2048, 0, copy_kernel,
                                 static_cast<const float*>(out.get()), out.get(), 32),
                    Catch::Contains("cudaErrorInvalidConfiguration"));
  CHECK_THROWS_WITH(cuda::launch(simt.ctx(), "read_dynamic_shared", 1, 32, 64 * 1024, read_dynamic_shared, out.get()),
                    Catch::Contains("48 KiB"));
}

TEST_CASE("a missing barrier changes the result", "[simt][faults]") {
  Simt simt;
  std::vector<float> input(3 * 64);
  for (std::size_t i = 0; i < input.size(); ++i) input[i] = static_cast<float>(i);
  DeviceFloats in(simt, input), out(simt, input.size());
  auto expected = [&](std::size_t i) { return input[i / 64 * 64 + (i % 64 + 1) % 64]; };
  cuda::launch(simt.ctx(), "rotate_through_shared", 3, 64, 0, rotate_through_shared<true>, in.cget(), out.get());
  const std::vector<float> good = out.read();
  for (std::size_t i = 0; i < good.size(); ++i) CHECK(good[i] == expected(i));
  // Without the barrier, each thread runs past its store before its neighbour's (in any order the
  // harness runs lanes in), reading what the previous block left: wrong in every block. TSan also
  // reports the race (planted_faults.cu).
  cuda::launch(simt.ctx(), "rotate_through_shared", 3, 64, 0, rotate_through_shared<false>, in.cget(), out.get());
  const std::vector<float> bad = out.read();
  int wrong = 0;
  for (std::size_t i = 0; i < bad.size(); ++i) wrong += bad[i] != expected(i);
  CHECK(wrong >= 3 * 63);
}

TEST_CASE("the emulated mma follows the PTX fragment layout, and two swapped fragments are caught", "[simt][faults]") {
  Simt simt;
  std::vector<float> a(16 * 8), b(8 * 8), want(16 * 8, 0.0f);
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(static_cast<int>(i * 7 % 11) - 5);
  for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(static_cast<int>(i * 5 % 7) - 3);
  for (int m = 0; m < 16; ++m)
    for (int n = 0; n < 8; ++n)
      for (int k = 0; k < 8; ++k) want[m * 8 + n] += a[m * 8 + k] * b[k * 8 + n];
  DeviceFloats da(simt, a), db(simt, b), dd(simt, want.size());
  cuda::launch(simt.ctx(), "mma_tile", 1, 32, 0, mma_tile<false>, da.cget(), db.cget(), dd.get());
  CHECK(dd.read() == want);  // small integers: exact
  cuda::launch(simt.ctx(), "mma_tile_swapped", 1, 32, 0, mma_tile<true>, da.cget(), db.cget(), dd.get());
  const std::vector<float> swapped = dd.read();
  int wrong = 0;
  for (std::size_t i = 0; i < want.size(); ++i) wrong += swapped[i] != want[i];
  CHECK(wrong >= 64);  // every row of A whose two halves were exchanged
}

TEST_CASE("cvt.rna.tf32 rounds to nearest with ties away from zero", "[simt][tensor_core]") {
  Simt simt;
  // 1 + 2^-11 is a tie between 1 and 1 + 2^-10: away from zero. Just below it rounds down.
  auto tf32 = [&](float x) {
    std::uint32_t out = 0;
    run_on_one_thread(simt, [&] { out = cuda::gemm::to_tf32(x); });
    return std::bit_cast<float>(out);
  };
  CHECK(tf32(1.0f + 0x1p-11f) == 1.0f + 0x1p-10f);
  CHECK(tf32(-(1.0f + 0x1p-11f)) == -(1.0f + 0x1p-10f));
  CHECK(tf32(std::nextafter(1.0f + 0x1p-11f, 0.0f)) == 1.0f);
  CHECK(tf32(3.0f) == 3.0f);
  CHECK(std::isinf(tf32(INFINITY)));
  CHECK(std::isnan(tf32(NAN)));
}

TEST_CASE("block order: reverse and shuffled orders expose a dependence between blocks", "[simt][options]") {
  for (BlockOrder order : {BlockOrder::reverse, BlockOrder::shuffle}) {
    SimtOptions o;
    o.block_order = order;
    o.shuffle_seed = 5;
    Simt in_order, other(o);
    DeviceFloats a(in_order, 64), b(other, 64);
    cuda::launch(in_order.ctx(), "chain_across_blocks", 64, 32, 0, chain_across_blocks, a.get());
    cuda::launch(other.ctx(), "chain_across_blocks", 64, 32, 0, chain_across_blocks, b.get());
    const std::vector<float> va = a.read(), vb = b.read();
    for (std::size_t i = 0; i < va.size(); ++i) CHECK(va[i] == static_cast<float>(i + 1));  // looks right in order
    CHECK(vb != va);
  }
}
