// The dataset modes, preprocessing, determinism and the errors that name the fix.
#include <catch2/catch.hpp>

#include <set>

#include "data_test_helpers.h"
#include "train/data/dataset.h"
#include "train/data/synthetic.h"

using namespace pigment;
using namespace pigment::data;

namespace {

DataOptions small_options(const std::filesystem::path& root, DatasetMode mode) {
  DataOptions o = test::colorization_options();
  o.dataroot = root;
  o.mode = mode;
  o.load_size = 20;
  o.crop_size = 16;
  o.seed = 1234;
  if (mode != DatasetMode::colorization) o.input_nc = o.output_nc = 3;
  return o;
}

// An A|B file whose right half is the negative of its left: B = 1 − A pixel for pixel.
Image negative_pair(int width, int height, int variant) {
  const Image a = test::test_picture(width, height, 3, variant);
  Image ab(2 * width, height, 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c) {
        ab.at(y, x, c) = a.at(y, x, c);
        ab.at(y, width + x, c) = 1.0f - a.at(y, x, c);
      }
  return ab;
}

double max_sum(const Tensor& a, const Tensor& b) {  // max |a + b|: zero when b = −a
  const auto va = a.to_vector<float>(), vb = b.to_vector<float>();
  REQUIRE(va.size() == vb.size());
  double m = 0;
  for (std::size_t i = 0; i < va.size(); ++i) m = std::max(m, std::fabs(double(va[i]) + vb[i]));
  return m;
}

std::string error_of(const DataOptions& o) {
  try {
    make_dataset(o);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("mode and preprocess names parse, and unknown ones list the valid names", "[data][dataset]") {
  CHECK(kDatasetModeNames.parse("unaligned", "dataset mode") == DatasetMode::unaligned);
  CHECK(kPreprocessNames.parse("scale_width_and_crop", "preprocess") == Preprocess::scale_width_and_crop);
  CHECK_THROWS_WITH(kDatasetModeNames.parse("paired", "dataset mode"), Catch::Contains("aligned, unaligned, single or colorization"));
  CHECK_THROWS_WITH(kPreprocessNames.parse("zoom", "preprocess"), Catch::Contains("resize_and_crop"));
}

TEST_CASE("aligned: both halves get the same crop and flip", "[data][dataset]") {
  test::TempDir dir;
  for (int i = 0; i < 6; ++i) test::save(dir / ("train/pair_" + std::to_string(i) + ".png"), negative_pair(24, 20, i));

  SECTION("crop only: exact") {
    DataOptions o = small_options(dir.path(), DatasetMode::aligned);
    o.preprocess = Preprocess::crop;
    auto ds = make_dataset(o);
    REQUIRE(ds->size() == 6);
    for (std::int64_t epoch = 0; epoch < 4; ++epoch)
      for (std::int64_t i = 0; i < 6; ++i) {
        const auto s = ds->get(epoch, i);
        REQUIRE(s);
        REQUIRE(s->A.shape() == Shape({3, 16, 16}));
        CHECK(max_sum(s->A, s->B) < 1e-6);
        CHECK(s->path_A == s->path_B);
      }
  }
  SECTION("resize, crop and flip: B stays −A up to the 8-bit roundings") {
    DataOptions o = small_options(dir.path(), DatasetMode::aligned);
    o.load_size = 30;
    auto ds = make_dataset(o);
    for (std::int64_t i = 0; i < 6; ++i) {
      const auto s = ds->get(2, i);
      REQUIRE(s);
      // Each resampling pass rounds half up to 8 bits, which is not symmetric under v → 1 − v: up
      // to one level per pass, two passes, and ×2 for the [−1, 1] range. A wrong crop or flip would
      // differ by far more.
      CHECK(max_sum(s->A, s->B) <= 4.0 / 255.0 + 1e-6);
    }
  }
  SECTION("BtoA swaps the sides; input_nc 1 makes the input gray") {
    DataOptions o = small_options(dir.path(), DatasetMode::aligned);
    auto a_to_b = make_dataset(o);
    o.a_to_b = false;
    auto b_to_a = make_dataset(o);
    const auto forward = a_to_b->get(0, 3), backward = b_to_a->get(0, 3);
    REQUIRE((forward && backward));
    CHECK(test::same_values(forward->A, backward->B));
    CHECK(test::same_values(forward->B, backward->A));
    o.a_to_b = true;
    o.input_nc = 1;
    const auto gray = make_dataset(o)->get(0, 3);
    REQUIRE(gray);
    CHECK(gray->A.shape() == Shape({1, 16, 16}));
    CHECK(gray->B.shape() == Shape({3, 16, 16}));
  }
}

TEST_CASE("samples depend only on (seed, epoch, index)", "[data][dataset]") {
  test::TempDir dir;
  for (int i = 0; i < 8; ++i) test::save(dir / ("train/photo_" + std::to_string(i) + ".png"), test::test_picture(30, 26, 3, i));
  DataOptions o = small_options(dir.path(), DatasetMode::colorization);
  auto first = make_dataset(o), second = make_dataset(o);
  // Same numbers, another dataset object, any call order: the same sample.
  for (std::int64_t i = 7; i >= 0; --i) {
    const auto a = first->get(3, i), b = second->get(3, 7 - i);
    REQUIRE((a && b));
    const auto again = second->get(3, i);
    CHECK(test::same_values(a->A, again->A));
    CHECK(test::same_values(a->B, again->B));
    CHECK(a->path_A == again->path_A);
  }
  // Another epoch: another order, and (with serial order) other crops and flips of the same file.
  std::vector<std::string> order_3, order_4;
  for (std::int64_t i = 0; i < 8; ++i) {
    order_3.push_back(first->get(3, i)->path_A);
    order_4.push_back(first->get(4, i)->path_A);
  }
  CHECK(order_3 != order_4);
  o.serial_batches = true;
  auto serial = make_dataset(o);
  int differing = 0;
  for (std::int64_t i = 0; i < 8; ++i) {
    const auto e0 = serial->get(0, i), e1 = serial->get(1, i);
    CHECK(e0->path_A == e1->path_A);
    CHECK(e0->path_A == (dir / ("train/photo_" + std::to_string(i) + ".png")).string());
    differing += !test::same_values(e0->A, e1->A);
  }
  CHECK(differing >= 5);
  // Another seed: other augmentations.
  o.seed = 99;
  auto reseeded = make_dataset(o);
  CHECK_FALSE(test::same_values(serial->get(0, 0)->A, reseeded->get(0, 0)->A));
}

TEST_CASE("colorization: L and ab tensors from colour or gray photos", "[data][dataset]") {
  test::TempDir dir;
  test::save(dir / "train/a.png", test::test_picture(30, 26));
  test::save(dir / "train/sub/gray.png", to_gray(test::test_picture(28, 28)));  // found recursively
  DataOptions o = small_options(dir.path(), DatasetMode::colorization);
  o.serial_batches = true;
  auto ds = make_dataset(o);
  REQUIRE(ds->size() == 2);
  CHECK(ds->report().files_A == 2);
  const auto colour = ds->get(0, 0), gray = ds->get(0, 1);
  REQUIRE((colour && gray));
  CHECK(colour->A.shape() == Shape({1, 16, 16}));
  CHECK(colour->B.shape() == Shape({2, 16, 16}));
  for (float v : colour->A.to_vector<float>()) CHECK((v >= -1.0f && v <= 1.0f));
  double chroma = 0;
  for (float v : colour->B.to_vector<float>()) chroma = std::max(chroma, double(std::fabs(v)));
  CHECK(chroma > 0.1);
  for (float v : gray->B.to_vector<float>()) CHECK(std::fabs(v) < 1e-3);  // a gray photo has no colour
  CHECK_THAT(gray->path_A, Catch::Contains("gray.png"));
}

TEST_CASE("unaligned: two folders, epoch length max(|A|, |B|)", "[data][dataset]") {
  test::TempDir dir;
  for (int i = 0; i < 3; ++i) test::save(dir / ("trainA/a" + std::to_string(i) + ".png"), test::test_picture(20, 20, 3, i));
  for (int i = 0; i < 5; ++i) test::save(dir / ("trainB/b" + std::to_string(i) + ".png"), test::test_picture(22, 20, 3, 9 + i));
  DataOptions o = small_options(dir.path(), DatasetMode::unaligned);
  o.serial_batches = true;
  auto ds = make_dataset(o);
  REQUIRE(ds->size() == 5);
  CHECK(ds->report().files_A == 3);
  CHECK(ds->report().files_B == 5);
  for (std::int64_t i = 0; i < 5; ++i) {
    const auto s = ds->get(0, i);
    REQUIRE(s);
    CHECK_THAT(s->path_A, Catch::EndsWith("a" + std::to_string(i % 3) + ".png"));
    CHECK_THAT(s->path_B, Catch::EndsWith("b" + std::to_string(i) + ".png"));
  }
  // Shuffled: B's partner is drawn, but deterministically.
  o.serial_batches = false;
  auto shuffled = make_dataset(o), again = make_dataset(o);
  std::set<std::string> partners;
  for (std::int64_t i = 0; i < 5; ++i) {
    CHECK(shuffled->get(2, i)->path_B == again->get(2, i)->path_B);
    partners.insert(shuffled->get(2, i)->path_B);
  }
  CHECK(partners.size() >= 2);
  // BtoA: the input comes from trainB.
  o.a_to_b = false;
  CHECK_THAT(make_dataset(o)->get(2, 0)->path_A, Catch::Contains("trainB"));
}

TEST_CASE("single: images straight under dataroot, no B", "[data][dataset]") {
  test::TempDir dir;
  for (int i = 0; i < 3; ++i) test::save(dir / ("img" + std::to_string(i) + ".png"), test::test_picture(20, 20, 3, i));
  test::save(dir / "more/img9.png", test::test_picture(20, 20));
  DataOptions o = small_options(dir.path(), DatasetMode::single);
  o.input_nc = 1;
  auto ds = make_dataset(o);
  REQUIRE(ds->size() == 4);
  const auto s = ds->get(0, 0);
  REQUIRE(s);
  CHECK(s->A.shape() == Shape({1, 16, 16}));
  CHECK_FALSE(s->B.defined());
  o.max_dataset_size = 2;
  CHECK(make_dataset(o)->size() == 2);
}

TEST_CASE("preprocess modes give the reference's sizes", "[data][dataset]") {
  test::TempDir dir;
  test::save(dir / "wide.png", test::test_picture(40, 30));
  test::save(dir / "tall.png", test::test_picture(40, 60));
  test::save(dir / "odd.png", test::test_picture(30, 26));
  test::save(dir / "tiny.png", test::test_picture(10, 12));
  const auto shape_of = [&](Preprocess p, const std::string& file) {
    DataOptions o = small_options(dir.path(), DatasetMode::single);
    o.preprocess = p;
    o.serial_batches = true;
    auto ds = make_dataset(o);
    for (std::int64_t i = 0; i < ds->size(); ++i) {
      const auto s = ds->get(0, i);
      if (s->path_A.ends_with(file)) return s->A.shape();
    }
    FAIL("no " << file);
    return Shape();
  };
  CHECK(shape_of(Preprocess::resize_and_crop, "tall.png") == Shape({3, 16, 16}));
  CHECK(shape_of(Preprocess::scale_width, "wide.png") == Shape({3, 16, 20}));   // height max(15, crop 16)
  CHECK(shape_of(Preprocess::scale_width, "tall.png") == Shape({3, 30, 20}));
  CHECK(shape_of(Preprocess::scale_width_and_crop, "tall.png") == Shape({3, 16, 16}));
  CHECK(shape_of(Preprocess::crop, "odd.png") == Shape({3, 16, 16}));
  CHECK(shape_of(Preprocess::crop, "tiny.png") == Shape({3, 12, 10}));  // smaller than the crop: kept
  CHECK(shape_of(Preprocess::none, "odd.png") == Shape({3, 24, 32}));   // 30 → 32, 26 → 24 (ties to even)
  CHECK(shape_of(Preprocess::none, "wide.png") == Shape({3, 32, 40}));
}

TEST_CASE("missing folders and empty domains name the path and the fix", "[data][dataset]") {
  test::TempDir dir;
  DataOptions o = small_options(dir / "nowhere", DatasetMode::colorization);
  CHECK_THAT(error_of(o), Catch::Contains("nowhere") && Catch::Contains("does not exist"));

  o.dataroot = dir.path();
  const std::string no_phase = error_of(o);
  CHECK_THAT(no_phase, Catch::Contains((dir / "train").string()) && Catch::Contains("make-colorization-dataset"));

  std::filesystem::create_directories(dir / "train");
  test::write_text(dir / "train/readme.txt", "no pictures here");
  CHECK_THAT(error_of(o), Catch::Contains("no images in") && Catch::Contains((dir / "train").string()));

  o = small_options(dir.path(), DatasetMode::unaligned);
  test::save(dir / "trainA/a.png", test::test_picture(20, 20));
  CHECK_THAT(error_of(o), Catch::Contains((dir / "trainB").string()) && Catch::Contains("<phase>B"));
  std::filesystem::create_directories(dir / "trainB");
  CHECK_THAT(error_of(o), Catch::Contains("no images in") && Catch::Contains("trainB"));

  o = small_options(dir.path(), DatasetMode::aligned);
  o.output_nc = 2;
  CHECK_THAT(error_of(o), Catch::Contains("--dataset_mode colorization"));
  o = small_options(dir.path(), DatasetMode::colorization);
  o.input_nc = 3;
  CHECK_THAT(error_of(o), Catch::Contains("--input_nc 1 --output_nc 2"));
  o = small_options(dir.path(), DatasetMode::colorization);
  o.crop_size = 64;
  CHECK_THAT(error_of(o), Catch::Contains("--crop_size 64 is larger than --load_size 20"));
}

TEST_CASE("a bad file: get() returns nothing and the report names it", "[data][dataset]") {
  test::TempDir dir;
  test::save(dir / "train/good.png", test::test_picture(20, 20));
  test::write_text(dir / "train/broken.png", "not a png");
  DataOptions o = small_options(dir.path(), DatasetMode::colorization);
  o.serial_batches = true;
  auto ds = make_dataset(o);
  REQUIRE(ds->size() == 2);
  const auto bad = ds->get(0, 0);  // "broken.png" sorts first
  CHECK_FALSE(bad.has_value());
  CHECK(ds->report().bad_files == 1);
  REQUIRE(ds->report().warnings.size() == 1);
  CHECK_THAT(ds->report().warnings[0], Catch::Contains("broken.png") && Catch::Contains("signature"));
  std::string error;
  CHECK_FALSE(ds->try_get(1, 0, error).has_value());
  CHECK_THAT(error, Catch::Contains("broken.png"));
  CHECK(ds->report().bad_files == 1);  // try_get leaves the report alone
  CHECK(ds->get(0, 1).has_value());
}

TEST_CASE("built-in synthetic data: in memory, or the same scenes written to disk", "[data][dataset][synthetic]") {
  DataOptions o = test::colorization_options();
  o.load_size = 40;
  o.crop_size = 32;
  o.synthetic_train = 6;
  o.synthetic_test = 2;
  auto train = make_dataset(o);
  REQUIRE(train->size() == 6);
  const auto s = train->get(0, 0);
  REQUIRE(s);
  CHECK(s->A.shape() == Shape({1, 32, 32}));
  CHECK(s->B.shape() == Shape({2, 32, 32}));
  CHECK_THAT(s->path_A, Catch::StartsWith("synthetic:"));
  o.phase = "test";
  auto test_set = make_dataset(o);
  REQUIRE(test_set->size() == 2);
  CHECK(test_set->get(0, 0)->path_A != train->get(0, 0)->path_A);
  o.phase = "val";
  CHECK_THAT(error_of(o), Catch::Contains("train and test"));

  // Aligned, in memory and from the files make-synthetic-dataset writes: identical samples.
  test::TempDir dir;
  write_synthetic_dataset(dir.path(), SyntheticLayout::aligned, 4, 2, 40, 0);
  for (const std::string phase : {"train", "test"}) {
    DataOptions mem;
    mem.mode = DatasetMode::aligned;
    mem.input_nc = mem.output_nc = 3;
    mem.load_size = 40;
    mem.crop_size = 32;
    mem.synthetic_train = 4;
    mem.synthetic_test = 2;
    mem.phase = phase;
    mem.seed = 77;
    DataOptions files = mem;
    files.dataroot = dir.path();
    auto in_memory = make_dataset(mem), on_disk = make_dataset(files);
    REQUIRE(in_memory->size() == on_disk->size());
    for (std::int64_t i = 0; i < in_memory->size(); ++i) {
      const auto a = in_memory->get(3, i), b = on_disk->get(3, i);
      REQUIRE((a && b));
      CHECK(test::same_values(a->A, b->A));
      CHECK(test::same_values(a->B, b->B));
    }
    // The input half is gray (three equal channels), the target half is colour.
    const auto v = in_memory->get(0, 0)->A.to_vector<float>();
    const std::size_t plane = 32 * 32;
    for (std::size_t i = 0; i < plane; i += 37) CHECK((v[i] == v[i + plane] && v[i] == v[i + 2 * plane]));
  }
}
