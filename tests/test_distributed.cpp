// Data parallelism's pieces that need no second process of MPI: how a launch is read from the
// environment, the TCP rendezvous (ranks as threads), the single-process communicator, gan-train's
// local launcher (children that are shell commands), and a model's rank state. The collectives
// across processes are tested under mpirun (tests/python/check_data_parallel.py).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "engine/distributed/communicator.h"
#include "engine/adam.h"
#include "engine/distributed/factory.h"
#include "engine/distributed/gradient_reducer.h"
#include "engine/distributed/launch.h"
#include "engine/distributed/tcp_rendezvous.h"
#include "kernels/ops.h"
#include "nets/models/model.h"
#include "train/local_launch.h"

using namespace pigment;
using namespace pigment::distributed;

namespace {

LaunchInfo launch_from(const std::map<std::string, std::string>& vars) {
  return detect_launch([&](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

std::vector<std::byte> bytes_of(const std::string& s) {
  const auto b = std::as_bytes(std::span(s.data(), s.size()));
  return {b.begin(), b.end()};
}

// Two ranks that are this process twice: an all-reduce doubles the values. It records what each
// collective summed (its offset in the storage and size) and whether the test had called finish().
class TwinCommunicator final : public Communicator {
 public:
  struct Call {
    std::int64_t offset, count;
    bool finishing;
  };
  std::vector<Call> calls;
  bool finishing = false;

  int rank() const override { return 0; }
  int world_size() const override { return 2; }
  std::string backend() const override { return "twin"; }
  const Device& device() const override { return device_; }
  std::unique_ptr<Work> all_reduce_sum(const Tensor& t, const std::string&) override {
    calls.push_back({t.storage_offset(), t.numel(), finishing});
    scale_flat(t, 2.0);
    return make_single_communicator(device_)->all_reduce_sum(t, "");
  }
  void broadcast(const Tensor&, int, const std::string&) override {}
  std::vector<std::vector<std::byte>> all_gather_bytes(std::span<const std::byte> b, const std::string&) override {
    return {{b.begin(), b.end()}, {b.begin(), b.end()}};
  }
  std::vector<std::byte> broadcast_bytes(std::span<const std::byte> b, int, const std::string&) override {
    return {b.begin(), b.end()};
  }

 private:
  Device device_ = Device::cpu();
};

}  // namespace

TEST_CASE("the gradient reducer sums each bucket as the backward pass completes it, in one order", "[distributed]") {
  const Device cpu = Device::cpu();
  ParameterSet params;
  const Tensor a = params.add("a", Tensor::from_vector<float>({4}, {1, 2, 3, 4}, cpu));
  const Tensor b = params.add("b", Tensor::from_vector<float>({3}, {1, -1, 2}, cpu));
  const Tensor c = params.add("c", Tensor::from_vector<float>({5}, {0.5f, 1, 1.5f, 2, 2.5f}, cpu));
  params.flatten();
  TwinCommunicator twin;
  // 16-byte buckets: c (20 bytes) alone, then b, then a — from the buffer's end.
  distributed::GradientReducer reducer(twin, params, 16);
  REQUIRE(reducer.buckets() == 3);
  // loss = Σa·a·½ + Σ3b + Σc·c: gradients a, 3, 2c.
  const Tensor three = Tensor::full({3}, 3.0, DType::f32, cpu);
  const Tensor loss = add(add(scale(sum(mul(a, a)), 0.5), sum(mul(b, three))), sum(mul(c, c)));
  loss.backward();
  // Every bucket started during the backward pass, in the buffer's order from its end.
  REQUIRE(twin.calls.size() == 3);
  CHECK(reducer.started_during_backward() == 3);
  CHECK(twin.calls[0].offset == 7);
  CHECK(twin.calls[0].count == 5);
  CHECK(twin.calls[1].offset == 4);
  CHECK(twin.calls[2].offset == 0);
  for (const auto& call : twin.calls) CHECK_FALSE(call.finishing);
  twin.finishing = true;
  reducer.finish();
  // Summed by the twin (× 2), averaged over its 2 ranks: the process's own gradients.
  CHECK(params.flat_grads().to_vector<float>() ==
        std::vector<float>{1, 2, 3, 4, 3, 3, 3, 1, 2, 3, 4, 5});

  // A parameter with no gradient holds its bucket, and those after it, until finish().
  twin.calls.clear();
  twin.finishing = false;
  params.zero_grad();
  reducer.reset();
  scale(sum(mul(a, a)), 0.5).backward();  // a only: a is the last bucket, waiting behind c and b
  CHECK(twin.calls.empty());
  twin.finishing = true;
  reducer.finish();
  REQUIRE(twin.calls.size() == 3);
  CHECK(twin.calls[2].finishing);
  CHECK(params.flat_grads().to_vector<float>() == std::vector<float>{1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0});

  // A second accumulation before the step would come after its bucket was summed: refused.
  reducer.reset();
  params.zero_grad();
  scale(sum(mul(c, c)), 1.0).backward();
  CHECK_THAT(error_of([&] { scale(sum(mul(c, c)), 1.0).backward(); }),
             Catch::Contains("gradient of 'c' was accumulated twice"));
  reducer.reset();
}

TEST_CASE("a launch is read from mpirun's or torchrun's variables, and bad ones are named", "[distributed]") {
  CHECK(launch_from({}).launcher == Launcher::single);
  CHECK_FALSE(launch_from({}).distributed());

  const LaunchInfo mpi = launch_from({{"OMPI_COMM_WORLD_RANK", "1"},
                                      {"OMPI_COMM_WORLD_SIZE", "4"},
                                      {"OMPI_COMM_WORLD_LOCAL_RANK", "1"},
                                      {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}});
  CHECK(mpi.launcher == Launcher::mpi);
  CHECK(mpi.rank == 1);
  CHECK(mpi.world_size == 4);
  CHECK(mpi.local_rank == 1);
  CHECK(mpi.local_world_size == 2);
  CHECK(mpi.str() == "rank 1 of 4 (mpirun, local rank 1 of 2)");
  // MPICH / Slurm's PMI, without local variables: the local rank is the rank.
  const LaunchInfo pmi = launch_from({{"PMI_RANK", "2"}, {"PMI_SIZE", "3"}});
  CHECK((pmi.launcher == Launcher::mpi && pmi.rank == 2 && pmi.local_rank == 2));

  const LaunchInfo torchrun = launch_from({{"RANK", "3"},
                                           {"WORLD_SIZE", "8"},
                                           {"LOCAL_RANK", "1"},
                                           {"LOCAL_WORLD_SIZE", "2"},
                                           {"MASTER_ADDR", "node0"},
                                           {"MASTER_PORT", "29500"}});
  CHECK(torchrun.launcher == Launcher::torchrun);
  CHECK((torchrun.rank == 3 && torchrun.world_size == 8 && torchrun.local_rank == 1));
  CHECK((torchrun.master_addr == "node0" && torchrun.master_port == 29500));
  // torchrun with one process needs no rendezvous.
  CHECK(launch_from({{"RANK", "0"}, {"WORLD_SIZE", "1"}}).world_size == 1);

  CHECK_THAT(error_of([] { launch_from({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "1"}}); }),
             Catch::Contains("MASTER_ADDR is not set"));
  CHECK_THAT(error_of([] { launch_from({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}}); }),
             Catch::Contains("MASTER_PORT is not set"));
  CHECK_THAT(error_of([] { launch_from({{"RANK", "2"}, {"WORLD_SIZE", "2"}}); }), Catch::Contains("RANK counts from 0"));
  CHECK_THAT(error_of([] { launch_from({{"RANK", "1"}}); }), Catch::Contains("sets RANK but not WORLD_SIZE"));
  CHECK_THAT(error_of([] { launch_from({{"RANK", "x"}, {"WORLD_SIZE", "2"}}); }),
             Catch::Contains("RANK='x' is not a whole number"));
  CHECK_THAT(error_of([] { launch_from({{"OMPI_COMM_WORLD_RANK", "3"}, {"OMPI_COMM_WORLD_SIZE", "2"}}); }),
             Catch::Contains("disagree"));
}

TEST_CASE("the TCP rendezvous hands rank 0's payload to every rank, and refuses strangers", "[distributed]") {
  const int port = train::free_loopback_port();
  auto info = [&](int rank, int world) {
    LaunchInfo l;
    l.launcher = Launcher::torchrun;
    l.rank = rank;
    l.world_size = world;
    l.master_addr = "127.0.0.1";
    l.master_port = port;
    return l;
  };
  const std::vector<std::byte> id = bytes_of(std::string(128, 'k'));
  std::vector<std::vector<std::byte>> got(3);
  {
    // Ranks 1 and 2 start before rank 0 listens: they retry.
    std::jthread r1([&] { got[1] = tcp_rendezvous(info(1, 3), {}, 20); });
    std::jthread r2([&] { got[2] = tcp_rendezvous(info(2, 3), {}, 20); });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    got[0] = tcp_rendezvous(info(0, 3), id, 20);
  }
  CHECK(got[0] == id);
  CHECK(got[1] == id);
  CHECK(got[2] == id);

  // A rank of another world size is named.
  std::string message;
  {
    std::jthread r1([&] { message = error_of([&] { tcp_rendezvous(info(1, 3), {}, 5); }); });
    CHECK_THAT(error_of([&] { tcp_rendezvous(info(0, 2), id, 5); }),
               Catch::Contains("rank 1 was started with WORLD_SIZE=3, rank 0 with 2"));
  }
  // Rank 0 never comes: the others stop at the deadline, saying what to check.
  const auto start = std::chrono::steady_clock::now();
  CHECK_THAT(error_of([&] { tcp_rendezvous(info(1, 2), {}, 0.5); }),
             Catch::Contains("could not reach rank 0 at 127.0.0.1") && Catch::Contains("MASTER_PORT"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // Not every rank comes: rank 0 says how many did.
  CHECK_THAT(error_of([&] { tcp_rendezvous(info(0, 2), id, 0.5); }), Catch::Contains("1 rank(s) and 0 of them came"));
}

TEST_CASE("one process: the single communicator, and no rendezvous or MPI needed", "[distributed]") {
  const Device cpu = Device::cpu();
  const auto comm = make_communicator(LaunchInfo{}, cpu, {});
  CHECK(comm->backend() == "single");
  CHECK(comm->world_size() == 1);
  const Tensor g = Tensor::from_vector<float>({3}, {1, 2, 3}, cpu);
  average_gradients(*comm, g);
  CHECK(g.to_vector<float>() == std::vector<float>{1, 2, 3});
  const std::vector<double> values{0.5, 2};
  CHECK(sum_over_ranks(*comm, values, "x") == values);
  CHECK(any_rank(*comm, true, "x"));
  CHECK_FALSE(any_rank(*comm, false, "x"));
  // torchrun's variables on the CPU: MPI is the CPU's transport.
  LaunchInfo torchrun;
  torchrun.launcher = Launcher::torchrun;
  torchrun.world_size = 2;
  CHECK_THAT(error_of([&] { make_communicator(torchrun, cpu, {}); }), Catch::Contains("mpirun -np N"));
}

TEST_CASE("gan-train's local launcher starts one process per GPU with torchrun's variables", "[distributed]") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "pigment-local-launch";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // Each child writes its variables; all succeed.
  const std::string write = "echo \"$RANK $WORLD_SIZE $LOCAL_RANK $LOCAL_WORLD_SIZE $MASTER_ADDR\" > " +
                            dir.string() + "/rank$RANK.txt";
  CHECK(train::run_local_ranks({{"/bin/sh", "-c", write}, 3}) == 0);
  for (int r = 0; r < 3; ++r) {
    std::ifstream in(dir / ("rank" + std::to_string(r) + ".txt"));
    std::string line;
    std::getline(in, line);
    CHECK(line == std::to_string(r) + " 3 " + std::to_string(r) + " 3 127.0.0.1");
  }
  // Rank 1 fails: the others (which would run for a minute) are stopped, and its code returned.
  const auto start = std::chrono::steady_clock::now();
  const int code = train::run_local_ranks(
      {{"/bin/sh", "-c", "if [ \"$RANK\" = 1 ]; then exit 3; fi; exec sleep 60"}, 3, std::chrono::seconds(5)});
  CHECK(code == 3);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
  // Every child interrupted (130, having saved): 130, nobody stopped early.
  CHECK(train::run_local_ranks({{"/bin/sh", "-c", "exit 130"}, 2}) == 130);
  std::filesystem::remove_all(dir);
}

TEST_CASE("a model's rank state is its random stream and pools, apart from the shared state", "[distributed]") {
  nets::ModelOptions o;
  o.kind = nets::ModelKind::cycle_gan;
  o.generator.arch = nets::GeneratorArch::parse("unet_5d");
  o.generator.ngf = 4;
  o.discriminator.ndf = 4;
  o.pool_size = 2;
  const auto model = nets::Model::create(o, Device::cpu());
  TensorList rank_tensors, all_tensors;
  Metadata rank_meta, all_meta;
  model->save_rank_state(rank_tensors, rank_meta);
  model->save_training_state(all_tensors, all_meta);
  CHECK(rank_meta.count("rng_offset") == 1);
  CHECK(rank_meta.count("optimizer_steps") == 0);  // the optimizer is the same on every rank
  CHECK(all_meta.count("optimizer_steps") == 1);
  for (const auto& [name, t] : rank_tensors) CHECK(name.starts_with("pool_"));
  CHECK(all_tensors.size() > rank_tensors.size());
}
