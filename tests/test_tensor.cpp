#include <cstring>
#include <random>

#include "engine/host_block_cache.h"
#include "engine/views.h"
#include "helpers.h"
#include "kernels/ops.h"

using namespace pigment;
using test::error_of;

TEST_CASE("tensor factories, metadata and host round trips", "[tensor]") {
  const Device cpu = Device::cpu();
  Tensor t = Tensor::from_vector<double>({2, 3}, {1, 2, 3, 4, 5, 6}, cpu, DType::f32);
  CHECK(t.shape() == Shape{2, 3});
  CHECK(t.numel() == 6);
  CHECK(t.dtype() == DType::f32);
  CHECK(t.nbytes() == 24);
  CHECK(t.str() == "float32[2, 3] on cpu");
  CHECK(t.to_vector<double>() == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(Tensor::zeros({4}, DType::f64, cpu).to_vector<double>() == std::vector<double>(4, 0.0));
  CHECK(Tensor::full({3}, 2.5, DType::f32, cpu).to_vector<float>() == std::vector<float>(3, 2.5f));
  CHECK(Tensor::scalar(7, DType::f64, cpu).item() == 7);
  CHECK(Tensor::scalar(7, DType::f64, cpu).rank() == 0);
}

TEST_CASE("clone copies, copies of handles share", "[tensor]") {
  const Device cpu = Device::cpu();
  Tensor a = Tensor::from_vector<double>({3}, {1, 2, 3}, cpu);
  Tensor alias = a;
  Tensor copy = a.clone();
  a.fill_(9);
  CHECK(alias.to_vector<double>() == std::vector<double>{9, 9, 9});
  CHECK(copy.to_vector<double>() == std::vector<double>{1, 2, 3});
}

TEST_CASE("dtype conversion", "[tensor]") {
  const Device cpu = Device::cpu();
  Tensor d = Tensor::from_vector<double>({2}, {0.1, -3.5}, cpu);
  Tensor f = d.to(DType::f32);
  CHECK(f.dtype() == DType::f32);
  CHECK(f.to_vector<float>() == std::vector<float>{0.1f, -3.5f});
}

TEST_CASE("reshape is a view and checks the element count", "[tensor]") {
  const Device cpu = Device::cpu();
  Tensor a = Tensor::from_vector<double>({2, 3}, {1, 2, 3, 4, 5, 6}, cpu);
  Tensor b = reshape(a, {3, 2});
  b.data<double>()[0] = 42;
  CHECK(a.to_vector<double>()[0] == 42);
  const std::string msg = error_of([&] { reshape(a, {4, 2}); });
  CHECK(msg.find("reshape") != std::string::npos);
  CHECK(msg.find("[2, 3]") != std::string::npos);
  CHECK(msg.find("[4, 2]") != std::string::npos);
}

TEST_CASE("shape, dtype and device mismatches name the op, the shapes and the expectation", "[tensor][errors]") {
  const Device cpu = Device::cpu();
  Tensor a = Tensor::zeros({2, 3}, DType::f32, cpu);
  Tensor b = Tensor::zeros({3, 2}, DType::f32, cpu);
  Tensor c = Tensor::zeros({2, 3}, DType::f64, cpu);
  std::string msg = error_of([&] { add(a, b); });
  CHECK(msg.find("add") != std::string::npos);
  CHECK(msg.find("[2, 3]") != std::string::npos);
  CHECK(msg.find("[3, 2]") != std::string::npos);
  msg = error_of([&] { add(a, c); });
  CHECK(msg.find("dtypes must match") != std::string::npos);
  CHECK(msg.find("float64") != std::string::npos);

  Tensor x = Tensor::zeros({1, 3, 8, 8}, DType::f32, cpu);
  Tensor w = Tensor::zeros({4, 5, 3, 3}, DType::f32, cpu);
  msg = error_of([&] { conv2d(x, w, Tensor(), {1, 1}); });
  CHECK(msg.find("conv2d") != std::string::npos);
  CHECK(msg.find("3 channels") != std::string::npos);
  CHECK(msg.find("[4, 5, 3, 3]") != std::string::npos);
  msg = error_of([&] { conv2d(Tensor::zeros({3, 8, 8}, DType::f32, cpu), w, Tensor(), {}); });
  CHECK(msg.find("4 dimensions") != std::string::npos);
  msg = error_of([&] { reflection_pad2d(Tensor::zeros({1, 1, 2, 2}, DType::f32, cpu), 2); });
  CHECK(msg.find("padding 2") != std::string::npos);
  msg = error_of([&] { Tensor().shape(); });
  CHECK(msg.find("undefined") != std::string::npos);
  msg = error_of([&] { Shape({1, 2, 3, 4, 5}); });
  CHECK(msg.find("at most 4") != std::string::npos);
}

TEST_CASE("devices parse and a CPU-only build explains the missing CUDA backend", "[tensor][device]") {
  CHECK(Device::parse("cpu").is_cpu());
  CHECK(error_of([] { Device::parse("tpu"); }).find("unknown device 'tpu'") != std::string::npos);
  if (!kCudaBuilt) {
    CHECK(cuda_device_count() == 0);
    CHECK(error_of([] { Device::cuda(0); }).find("no CUDA backend") != std::string::npos);
    CHECK(error_of([] { Device::simt(); }).find("-DPIGMENT_CUDA=SIMT") != std::string::npos);
    CHECK(Device::parse("auto").is_cpu());
  } else if (kSimtBuild) {  // the CUDA kernels on the CPU: no GPU, the device simt instead
    CHECK(cuda_device_count() == 0);
    CHECK(error_of([] { Device::cuda(0); }).find("--device simt") != std::string::npos);
    CHECK(Device::parse("simt").is_simt());
    CHECK(Device::parse("auto").is_cpu());
  } else if (cuda_device_count() == 0) {
    CHECK(error_of([] { Device::cuda(0); }).find("no CUDA device") != std::string::npos);
    CHECK(Device::parse("auto").is_cpu());
  }
}

TEST_CASE("the CPU allocator counts allocations and bytes", "[tensor][allocator]") {
  const Device cpu = Device::cpu();
  const AllocatorStats before = cpu.context().allocator_stats();
  {
    Tensor t = Tensor::empty({1000}, DType::f32, cpu);
    const AllocatorStats during = cpu.context().allocator_stats();
    CHECK(during.system_allocations == before.system_allocations + 1);
    CHECK(during.bytes_in_use == before.bytes_in_use + 4000);
  }
  CHECK(cpu.context().allocator_stats().bytes_in_use == before.bytes_in_use);
}

TEST_CASE("the host block cache reuses freed blocks and never holds more than the peak in use", "[tensor][allocator]") {
  HostBlockCache cache(64);
  const std::size_t mib = 1u << 20;
  // A hit: a freed block serves a later request of about its size, with no new system allocation.
  void* a = cache.allocate(3 * mib);
  cache.deallocate(a);
  CHECK(cache.stats().bytes_cached > 0);
  const auto mapped = cache.stats().system_allocations;
  void* b = cache.allocate(3 * mib - 4096);
  CHECK(b == a);
  CHECK(cache.stats().system_allocations == mapped);
  CHECK(cache.stats().bytes_cached == 0);
  // No hit for a request more than twice smaller than every cached block, nor for a larger one.
  cache.deallocate(b);
  void* small = cache.allocate(mib / 2);
  CHECK(small != a);
  void* large = cache.allocate(8 * mib);  // a miss: the cached 4 MiB block is returned first
  CHECK(cache.stats().bytes_cached == 0);
  // Small requests bypass the cache, aligned all the same.
  void* tiny = cache.allocate(100);
  CHECK(reinterpret_cast<std::uintptr_t>(tiny) % 64 == 0);
  cache.deallocate(tiny);
  cache.deallocate(small);
  cache.deallocate(large);

  // The bound, over a random stream of allocations and frees (a training step's pattern, shuffled):
  // in use + cached never exceeds the peak of the block bytes in use.
  std::mt19937 random(7);
  std::vector<void*> live;
  std::int64_t peak_in_use = 0, worst_excess = 0;
  for (int i = 0; i < 4000; ++i) {
    if (live.empty() || random() % 100 < 55) {
      const std::size_t bytes = (64u << 10) + random() % (12 * mib);
      void* p = cache.allocate(bytes);
      std::memset(p, 1, 64);
      live.push_back(p);
    } else {
      const std::size_t j = random() % live.size();
      cache.deallocate(live[j]);
      live[j] = live.back();
      live.pop_back();
    }
    const HostBlockCacheStats& s = cache.stats();
    peak_in_use = std::max(peak_in_use, s.bytes_in_use);
    worst_excess = std::max(worst_excess, s.bytes_in_use + s.bytes_cached - peak_in_use);
    if (live.size() > 60) {  // the end of a step: its activations go
      for (void* p : live) cache.deallocate(p);
      live.clear();
    }
  }
  CHECK(worst_excess == 0);
  CHECK(cache.stats().system_allocations < 2000);  // and the cache did serve: most requests were hits
  for (void* p : live) cache.deallocate(p);
  cache.release_cached();
  CHECK(cache.stats().bytes_cached == 0);
  CHECK(cache.stats().bytes_in_use == 0);
}

TEST_CASE("a device is its context: fresh contexts are distinct, mixing them is refused clearly", "[tensor][device]") {
  const Device a = Device::cpu(), b = Device::cpu();
  CHECK(a == a);
  const Device a_copy = a;
  CHECK(a_copy == a);  // handles share the context
  CHECK(a != b);       // each Device::cpu() call makes one
  CHECK(a.same_kind(b));
  const Tensor x = Tensor::full({2, 3}, 1.0, DType::f32, a), y = Tensor::full({2, 3}, 1.0, DType::f32, b);
  CHECK_THROWS_WITH(add(x, y), Catch::Contains("two different contexts of cpu") && Catch::Contains("make the device once"));
  const Tensor moved = y.to(a);  // .to() moves between contexts
  CHECK(moved.device() == a);
  CHECK(add(x, moved).to_vector<float>() == std::vector<float>(6, 2.0f));
  CHECK(x.to(a).data<float>() == x.data<float>());  // already there: no copy
}
