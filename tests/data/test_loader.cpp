// DataLoader: batches in order, exact resume, bad files skipped, counted and capped.
#include <catch2/catch.hpp>

#include <set>

#include "data_test_helpers.h"
#include "train/data/dataset.h"

using namespace pigment;
using namespace pigment::data;

namespace {

DataOptions loader_options(const std::filesystem::path& root, int batch, int threads) {
  DataOptions o = test::colorization_options();
  o.dataroot = root;
  o.load_size = 20;
  o.crop_size = 16;
  o.batch_size = batch;
  o.num_threads = threads;
  o.seed = 42;
  return o;
}

void write_photos(const test::TempDir& dir, int count, const std::string& prefix = "photo_") {
  for (int i = 0; i < count; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "train/%s%03d.png", prefix.c_str(), i);
    test::save(dir / name, test::test_picture(24, 22, 3, i));
  }
}

std::vector<Batch> whole_epoch(DataLoader& loader, std::int64_t epoch, std::int64_t first = 0) {
  loader.start_epoch(epoch, first);
  std::vector<Batch> out;
  while (auto b = loader.next()) out.push_back(std::move(*b));
  return out;
}

bool same_batch(const Batch& a, const Batch& b) {
  return a.epoch == b.epoch && a.index == b.index && a.paths_A == b.paths_A && test::same_values(a.A, b.A) &&
         test::same_values(a.B, b.B);
}

class EmptyDataset final : public Dataset {
 public:
  std::int64_t size() const override { return 0; }
  std::optional<Sample> get(std::int64_t, std::int64_t) override { return std::nullopt; }
  const DataReport& report() const override { return report_; }
  std::int64_t items_A() const override { return 0; }
  std::string item_name(std::int64_t) const override { return {}; }

 private:
  DataReport report_;
};

}  // namespace

TEST_CASE("DataLoader delivers an epoch's batches in order, equal to the dataset's samples", "[data][loader]") {
  test::TempDir dir;
  write_photos(dir, 10);
  const DataOptions o = loader_options(dir.path(), 3, 3);
  std::shared_ptr<Dataset> ds = make_dataset(o);
  DataLoader loader(ds, o);
  REQUIRE(loader.batches_per_epoch() == 4);
  const std::vector<Batch> epoch = whole_epoch(loader, 5);
  REQUIRE(epoch.size() == 4);
  for (std::size_t b = 0; b < epoch.size(); ++b) {
    CHECK(epoch[b].epoch == 5);
    CHECK(epoch[b].index == static_cast<std::int64_t>(b));
    const std::int64_t n = b < 3 ? 3 : 1;  // the last batch holds the remainder
    REQUIRE(epoch[b].A.shape() == Shape({n, 1, 16, 16}));
    REQUIRE(epoch[b].B.shape() == Shape({n, 2, 16, 16}));
    for (std::int64_t i = 0; i < n; ++i) {
      const auto s = ds->get(5, static_cast<std::int64_t>(b) * 3 + i);
      CHECK(epoch[b].paths_A[static_cast<std::size_t>(i)] == s->path_A);
      const auto a = epoch[b].A.to_vector<float>(), expected = s->A.to_vector<float>();
      CHECK(std::equal(expected.begin(), expected.end(), a.begin() + i * 256));
    }
  }
  CHECK_FALSE(loader.next().has_value());  // the epoch is over
  // Every file once per epoch; another epoch, another order.
  std::set<std::string> seen;
  for (const Batch& b : epoch) seen.insert(b.paths_A.begin(), b.paths_A.end());
  CHECK(seen.size() == 10);
  CHECK(whole_epoch(loader, 6)[0].paths_A != epoch[0].paths_A);
}

TEST_CASE("sharded loaders: W ranks × batch N see, step by step, the samples of one loader of batch W·N",
          "[data][loader][distributed]") {
  test::TempDir dir;
  write_photos(dir, 11);  // not a multiple of 2 × 2: the last step wraps to the epoch's start
  const DataOptions whole_options = loader_options(dir.path(), 4, 2);
  std::shared_ptr<Dataset> ds = make_dataset(whole_options);
  DataLoader whole(ds, whole_options);
  std::vector<std::unique_ptr<DataLoader>> ranks;
  for (int r = 0; r < 2; ++r) {
    DataOptions o = loader_options(dir.path(), 2, r);  // 0 and 1 worker threads: the result does not care
    o.shard_rank = r;
    o.shard_count = 2;
    ranks.push_back(std::make_unique<DataLoader>(ds, o));
  }
  REQUIRE(ranks[0]->batches_per_epoch() == 3);  // ⌈⌈11/2⌉/2⌉: every rank as many batches
  REQUIRE(ranks[1]->batches_per_epoch() == 3);
  const auto epoch = whole_epoch(whole, 3), epoch0 = whole_epoch(*ranks[0], 3), epoch1 = whole_epoch(*ranks[1], 3);
  std::set<std::string> seen;
  for (std::size_t step = 0; step < 3; ++step) {
    std::multiset<std::string> together(epoch0[step].paths_A.begin(), epoch0[step].paths_A.end());
    together.insert(epoch1[step].paths_A.begin(), epoch1[step].paths_A.end());
    seen.insert(together.begin(), together.end());
    if (step < 2) {
      // Rank r takes positions 4·step + r and 4·step + 2 + r: the whole loader's step, interleaved.
      CHECK(together == std::multiset<std::string>(epoch[step].paths_A.begin(), epoch[step].paths_A.end()));
      CHECK(epoch0[step].paths_A[0] == epoch[step].paths_A[0]);
      CHECK(epoch1[step].paths_A[0] == epoch[step].paths_A[1]);
    }
  }
  CHECK(seen.size() == 11);  // every sample in the epoch; the 12th position repeats the first
  CHECK(epoch1[2].paths_A.back() == epoch[0].paths_A[0]);
  // A rank that does not exist is refused.
  DataOptions bad = whole_options;
  bad.shard_rank = 2;
  bad.shard_count = 2;
  CHECK_THROWS_WITH(DataLoader(ds, bad), Catch::Contains("shard 2 of 2 does not exist"));
}

TEST_CASE("start_epoch(e, k) resumes exactly where an uninterrupted epoch would be", "[data][loader]") {
  test::TempDir dir;
  write_photos(dir, 13);
  const DataOptions o = loader_options(dir.path(), 2, 2);
  std::shared_ptr<Dataset> ds = make_dataset(o);
  std::vector<Batch> full;
  {
    DataLoader loader(ds, o);
    full = whole_epoch(loader, 2);
  }
  REQUIRE(full.size() == 7);
  for (int threads : {0, 1, 4}) {
    DataOptions other = o;
    other.num_threads = threads;
    DataLoader resumed(make_dataset(other), other);
    const std::vector<Batch> tail = whole_epoch(resumed, 2, 4);
    REQUIRE(tail.size() == 3);
    for (std::size_t i = 0; i < tail.size(); ++i) CHECK(same_batch(tail[i], full[4 + i]));
  }
  // Restarting mid-epoch on the same loader drops what was prefetched.
  DataLoader loader(ds, o);
  loader.start_epoch(2);
  REQUIRE(loader.next());
  loader.start_epoch(2, 5);
  const auto fifth = loader.next();
  REQUIRE(fifth);
  CHECK(same_batch(*fifth, full[5]));
}

TEST_CASE("bad files are skipped, counted and named; the same on resume", "[data][loader]") {
  test::TempDir dir;
  write_photos(dir, 39);
  test::write_text(dir / "train/photo_017_broken.png", "garbage");  // sorts between 017 and 018
  DataOptions o = loader_options(dir.path(), 4, 2);
  o.serial_batches = true;  // position = file index, so the bad one is at position 18
  std::shared_ptr<Dataset> ds = make_dataset(o);
  REQUIRE(ds->size() == 40);
  DataLoader loader(ds, o);
  const std::vector<Batch> epoch = whole_epoch(loader, 0);
  REQUIRE(epoch.size() == 10);
  // Batch 4 wants positions 16..19; 18 is bad, so position 20 takes its place.
  REQUIRE(epoch[4].A.dim(0) == 4);
  CHECK_THAT(epoch[4].paths_A[2], Catch::EndsWith("photo_018.png"));
  CHECK_THAT(epoch[4].paths_A[3], Catch::EndsWith("photo_019.png"));
  for (const Batch& b : epoch) CHECK(b.A.dim(0) == 4);
  CHECK(loader.report().bad_files == 1);
  REQUIRE(loader.report().warnings.size() == 1);
  CHECK_THAT(loader.report().warnings[0], Catch::Contains("photo_017_broken.png"));
  CHECK(loader.report().files_A == 40);

  DataLoader resumed(ds, o);
  const std::vector<Batch> tail = whole_epoch(resumed, 0, 4);
  REQUIRE(tail.size() == 6);
  CHECK(same_batch(tail[0], epoch[4]));
  CHECK(resumed.report().bad_files == 1);
}

TEST_CASE("too many bad files stop the run with a clear message", "[data][loader]") {
  test::TempDir dir;
  write_photos(dir, 12);
  for (int i = 0; i < 12; ++i) test::write_text(dir / ("train/zz_bad_" + std::to_string(i) + ".png"), "garbage");
  DataOptions o = loader_options(dir.path(), 4, 2);
  DataLoader loader(make_dataset(o), o);
  loader.start_epoch(0);
  std::string message;
  try {
    while (loader.next()) {
    }
  } catch (const Error& e) {
    message = e.what();
  }
  CHECK_THAT(message, Catch::Contains("bad files") && Catch::Contains("--max_bad_fraction 0.05") &&
                          Catch::Contains("zz_bad_"));
  CHECK(loader.report().bad_files > 0);

  // Every file bad: the first batch already fails, naming the files.
  test::TempDir all_bad;
  for (int i = 0; i < 3; ++i) test::write_text(all_bad / ("train/bad_" + std::to_string(i) + ".jpg"), "x");
  DataOptions b = loader_options(all_bad.path(), 2, 1);
  DataLoader hopeless(make_dataset(b), b);
  hopeless.start_epoch(0);
  CHECK_THROWS_WITH(hopeless.next(), Catch::Contains("failed to load"));
  CHECK(hopeless.report().bad_files == 3);
}

TEST_CASE("DataLoader misuse and empty datasets give clear errors", "[data][loader]") {
  DataOptions o = test::colorization_options();
  o.load_size = 24;
  o.crop_size = 16;
  o.synthetic_train = 5;
  o.batch_size = 2;
  DataLoader loader(make_dataset(o), o);
  CHECK_THROWS_WITH(loader.next(), Catch::Contains("start_epoch"));
  CHECK_THROWS_WITH(loader.start_epoch(0, 4), Catch::Contains("outside the epoch's 3 batches"));
  loader.start_epoch(0);
  CHECK(loader.next().has_value());  // then destroyed mid-epoch with work queued: joins cleanly

  DataLoader empty(std::make_shared<EmptyDataset>(), o);
  empty.start_epoch(0);
  CHECK_THROWS_WITH(empty.next(), Catch::Contains("dataset is empty"));
}

TEST_CASE("batches of differently sized samples are refused with the fix", "[data][loader]") {
  test::TempDir dir;
  test::save(dir / "train/a.png", test::test_picture(24, 20));
  test::save(dir / "train/b.png", test::test_picture(32, 20));
  DataOptions o = loader_options(dir.path(), 2, 1);
  o.preprocess = Preprocess::none;
  DataLoader loader(make_dataset(o), o);
  loader.start_epoch(0);
  CHECK_THROWS_WITH(loader.next(), Catch::Contains("--batch_size 1"));
}
