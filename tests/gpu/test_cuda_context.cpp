// The CUDA context: device memory for tensors, copies both ways, the caching allocator.
#include <catch2/catch.hpp>

#include "tests/gpu/gpu_device.h"

#include "engine/tensor.h"

using namespace pigment;

TEST_CASE("tensors round-trip through device memory", "[gpu][context]") {
  const Device gpu = test_gpu();
  const std::vector<float> v{1, -2, 3.5f, 0, 7};
  Tensor t = Tensor::from_vector<float>({5}, v, gpu);
  CHECK(t.is_cuda());
  CHECK(t.to_vector<float>() == v);
  CHECK(t.to(Device::cpu()).to_vector<float>() == v);
  t.fill_(2.5);
  CHECK(t.to_vector<float>() == std::vector<float>(5, 2.5f));
  CHECK(Tensor::zeros({3}, DType::f32, gpu).to_vector<float>() == std::vector<float>(3, 0.0f));
}

TEST_CASE("the caching allocator reuses freed blocks", "[gpu][allocator]") {
  const Device gpu = test_gpu();
  { Tensor a = Tensor::empty({1 << 20}, DType::f32, gpu); }
  const auto before = gpu.context().allocator_stats().system_allocations;
  for (int i = 0; i < 10; ++i) Tensor b = Tensor::empty({1 << 20}, DType::f32, gpu);
  CHECK(gpu.context().allocator_stats().system_allocations == before);
}

TEST_CASE("a reused larger block returns to the cache whole", "[gpu][allocator]") {
  // A 1.5 MiB request (rounded to 2 MiB) may take a cached 4 MiB block; freeing it must give back
  // 4 MiB (stats and the cache key), so a later 4 MiB request is served from the cache again.
  const Device gpu = test_gpu();
  Context& ctx = gpu.context();
  { Tensor big = Tensor::empty({1 << 20}, DType::f32, gpu); }  // 4 MiB, now cached
  const AllocatorStats start = ctx.allocator_stats();
  { Tensor smaller = Tensor::empty({3 << 17}, DType::f32, gpu); }  // 1.5 MiB
  CHECK(ctx.allocator_stats().bytes_in_use == start.bytes_in_use);
  { Tensor again = Tensor::empty({1 << 20}, DType::f32, gpu); }
  const AllocatorStats end = ctx.allocator_stats();
  CHECK(end.bytes_in_use == start.bytes_in_use);
  CHECK(end.system_allocations == start.system_allocations);
}
