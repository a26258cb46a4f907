// The CPU backend's thread count: the free-core estimate, and results that do not depend on it.
#include "engine/free_cores.h"
#include "helpers.h"
#include "kernels/ops.h"
#include "nets/models/model.h"

using namespace pigment;
using namespace pigment::nets;

TEST_CASE("free cores: /proc/stat's idle time of the allowed cores plus the process's own time", "[threads]") {
  // user nice system idle iowait irq softirq steal, in ticks of 1/100 s
  const std::string stat =
      "cpu  400 0 100 900 100 0 0 0 0 0\n"
      "cpu0 100 0 50 500 50 0 0 0 0 0\n"
      "cpu1 300 0 50 400 50 0 0 0 0 0\n"
      "cpu12 1 2 3\n"  // too short: skipped
      "intr 12345\n";
  CHECK(idle_core_seconds(stat, {0, 1, 12}, 100) == Approx(10.0));  // (500 + 50 + 400 + 50) / 100
  CHECK(idle_core_seconds(stat, {1}, 100) == Approx(4.5));
  CHECK(idle_core_seconds(stat, {7}, 100) == -1);  // no line for that core: unknown, not 0
  CHECK(idle_core_seconds("", {0}, 100) == -1);

  // 2 cores over 1 s: 0.1 s idle and 1.9 s ours → 2 free; 0.05 s idle and 1.0 s ours (another
  // process took the rest) → 1 free.
  const CpuTimes t0{10.0, 100.0, 5.0};
  CHECK(free_cores_between(t0, {11.0, 100.1, 6.9}) == Approx(2.0));
  CHECK(free_cores_between(t0, {11.0, 100.05, 6.0}) == Approx(1.05));
  CHECK(free_cores_between(t0, t0) == 0);  // no time passed
  CHECK(threads_for_free_cores(2.0, 2) == 2);
  CHECK(threads_for_free_cores(1.05, 2) == 1);
  CHECK(threads_for_free_cores(1.6, 2) == 2);
  CHECK(threads_for_free_cores(3.9, 2) == 2);  // never above the ceiling
  CHECK(threads_for_free_cores(0.0, 8) == 1);  // never below one

  FreeCoreFollower one(1);
  CHECK(one.threads() == 1);
  FreeCoreFollower several(3);
  CHECK(several.threads() == 3);  // before its first estimate it assumes the cores are free
  CHECK(!allowed_cpus().empty());
}

TEST_CASE("a training step gives the same bits on 1, 2 and 3 threads", "[threads][models]") {
  // Every GEMM block and every loop index is computed by one thread in a fixed order, so the
  // thread count (which now follows the free cores) cannot change a result. CycleGAN: convs
  // (GEMMs split by columns and by rows), transposed convs, instance norm, reflection padding,
  // the losses and Adam, at sizes above the parallel thresholds.
  auto weights_after_steps = [](int threads) {
    const Device cpu = Device::cpu();
    static_cast<CpuContext&>(cpu.context()).set_thread_count(threads);
    ModelOptions o;
    o.kind = ModelKind::cycle_gan;
    o.generator = {"resnet_6blocks", 3, 3, 8, NormType::instance, false, {4, 8}};
    o.discriminator.ndf = 8;
    o.discriminator.norm = NormType::instance;
    o.pool_size = 2;
    o.seed = 3;
    auto model = Model::create(o, cpu);
    Rng g(11);
    Tensor a = Tensor::empty({1, 3, 48, 48}, DType::f32, cpu), b = Tensor::empty({1, 3, 48, 48}, DType::f32, cpu);
    for (int step = 0; step < 2; ++step) {
      g.fill_uniform(a, -1, 1);
      g.fill_uniform(b, -1, 1);
      model->set_input(a, b);
      model->optimize_parameters();
    }
    std::vector<float> all;
    for (const char* net : {"G_A", "D_B"})
      for (const auto& [name, p] : model->network(net)->parameters().entries()) {
        const std::vector<float> v = p.to_vector<float>();
        all.insert(all.end(), v.begin(), v.end());
      }
    return all;
  };
  const std::vector<float> one = weights_after_steps(1);
  CHECK(weights_after_steps(2) == one);
  CHECK(weights_after_steps(3) == one);
}
