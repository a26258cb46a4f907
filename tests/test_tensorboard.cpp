// TensorBoard event files (train/tensorboard.h): CRC-32C against published check values, the
// TFRecord framing and the Event encoding read back from the writer's own file, and corruption
// caught by the CRCs. (tests/scripts/check_tensorboard.py reads the files with TensorBoard itself.)
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "helpers.h"
#include "engine/file_io.h"
#include "train/tensorboard.h"

namespace fs = std::filesystem;
using pigment::train::crc32c;
using pigment::train::masked_crc32c;
using pigment::train::TensorBoardWriter;

namespace {

std::vector<std::byte> bytes_of(const std::string& s) {
  const auto b = std::as_bytes(std::span(s));
  return {b.begin(), b.end()};
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("pigment_test_tensorboard_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

std::vector<fs::path> event_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().filename().string().starts_with("events.out.tfevents.")) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::uint64_t little_endian(const std::byte* p, int count) {
  std::uint64_t v = 0;
  for (int i = 0; i < count; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

// Splits a TFRecord file into its records' data, checking every length and CRC; on the first
// mismatch it stops and says where.
struct Records {
  std::vector<std::vector<std::byte>> data;
  std::string error;  // empty when the whole file checked out
};
Records read_records(const std::vector<std::byte>& file) {
  Records r;
  std::size_t at = 0;
  auto fail = [&](const std::string& what) {
    r.error = what + " at " + std::to_string(at);
    return r;
  };
  while (at < file.size()) {
    if (file.size() - at < 12) return fail("truncated header");
    const std::uint64_t length = little_endian(&file[at], 8);
    if (little_endian(&file[at + 8], 4) != masked_crc32c(std::span(&file[at], 8))) return fail("length CRC mismatch");
    if (file.size() - at - 12 < length + 4) return fail("truncated data");
    const std::span<const std::byte> data(&file[at + 12], length);
    if (little_endian(&file[at + 12 + length], 4) != masked_crc32c(data)) return fail("data CRC mismatch");
    r.data.emplace_back(data.begin(), data.end());
    at += 12 + length + 4;
  }
  return r;
}

// A protobuf message's top-level fields, by number (the last value of each): varints and fixed
// values as their bits, length-delimited fields as their bytes. Enough to check the encoding.
struct Field {
  int wire_type = -1;
  std::uint64_t number = 0;       // varint, fixed64, fixed32
  std::vector<std::byte> bytes;  // length-delimited
};
std::map<int, Field> parse_message(std::span<const std::byte> m) {
  std::map<int, Field> fields;
  std::size_t at = 0;
  auto varint = [&] {
    std::uint64_t v = 0;
    for (int shift = 0; at < m.size(); shift += 7) {
      const auto b = static_cast<std::uint64_t>(m[at++]);
      v |= (b & 0x7f) << shift;
      if (!(b & 0x80)) break;
    }
    return v;
  };
  while (at < m.size()) {
    const std::uint64_t key = varint();
    Field f;
    f.wire_type = static_cast<int>(key & 7);
    switch (f.wire_type) {
      case 0: f.number = varint(); break;
      case 1: f.number = little_endian(&m[at], 8), at += 8; break;
      case 5: f.number = little_endian(&m[at], 4), at += 4; break;
      case 2: {
        const std::uint64_t n = varint();
        f.bytes.assign(m.begin() + static_cast<std::ptrdiff_t>(at), m.begin() + static_cast<std::ptrdiff_t>(at + n));
        at += n;
        break;
      }
      default: FAIL("unexpected wire type " << f.wire_type);
    }
    fields[static_cast<int>(key >> 3)] = f;
  }
  return fields;
}

std::string as_string(const std::vector<std::byte>& b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace

TEST_CASE("tensorboard: CRC-32C matches its published check values", "[tensorboard]") {
  CHECK(crc32c(bytes_of("123456789")) == 0xE3069283u);  // the standard check value
  CHECK(crc32c({}) == 0u);
  // RFC 3720 (iSCSI), appendix B.4: 32 bytes of 0x00, of 0xFF, and 0, 1, …, 31.
  std::vector<std::byte> v(32, std::byte{0});
  CHECK(crc32c(v) == 0x8A9136AAu);
  std::fill(v.begin(), v.end(), std::byte{0xFF});
  CHECK(crc32c(v) == 0x62A8AB43u);
  for (int i = 0; i < 32; ++i) v[static_cast<std::size_t>(i)] = static_cast<std::byte>(i);
  CHECK(crc32c(v) == 0x46DD794Eu);
  // The mask: rotate right by 15, add 0xa282ead8.
  const std::uint32_t c = crc32c(bytes_of("123456789"));
  CHECK(masked_crc32c(bytes_of("123456789")) == static_cast<std::uint32_t>(((c >> 15) | (c << 17)) + 0xa282ead8u));
}

TEST_CASE("tensorboard: event files are TFRecords of Event messages with TensorBoard's field numbers", "[tensorboard]") {
  const fs::path dir = fresh_dir("framing") / "nested";  // the writer creates missing directories
  {
    TensorBoardWriter tb(dir);
    tb.start_session(3);
    tb.add_scalar("loss/G_GAN", 0.25, 3);
    tb.add_scalars({{"G_L1", 12.5}, {"D_real", -1.5}}, 4);
    const std::vector<std::uint8_t> pixels(4 * 6 * 3, 200);
    tb.add_image("fake_B", 4, 6, 3, pixels, 4);
    tb.flush();
    CHECK(fs::path(tb.path()).filename().string().ends_with(".pigment"));
  }
  const std::vector<fs::path> files = event_files(dir);
  REQUIRE(files.size() == 1);
  const Records records = read_records(pigment::read_file(files[0]));
  REQUIRE(records.error.empty());
  REQUIRE(records.data.size() == 5);

  // Event: wall_time = 1 (fixed64), step = 2 (varint), file_version = 3, summary = 5, session_log = 7.
  auto version = parse_message(records.data[0]);
  CHECK(version[1].wire_type == 1);
  CHECK(as_string(version[3].bytes) == "brain.Event:2");

  auto start = parse_message(records.data[1]);
  CHECK(start[2].number == 3);
  CHECK(parse_message(start[7].bytes)[1].number == 1);  // SessionLog.status = START

  auto scalar = parse_message(records.data[2]);
  CHECK(scalar[2].number == 3);
  auto value = parse_message(parse_message(scalar[5].bytes)[1].bytes);  // Summary.value[0]
  CHECK(as_string(value[1].bytes) == "loss/G_GAN");
  CHECK(value[2].wire_type == 5);
  float f = 0;
  const auto bits = static_cast<std::uint32_t>(value[2].number);
  std::memcpy(&f, &bits, 4);
  CHECK(f == 0.25f);

  // add_scalars: one event, one Value per scalar; the last Value is D_real.
  auto pair = parse_message(records.data[3]);
  CHECK(pair[2].number == 4);
  CHECK(as_string(parse_message(parse_message(pair[5].bytes)[1].bytes)[1].bytes) == "D_real");

  auto image_event = parse_message(records.data[4]);
  auto image_value = parse_message(parse_message(image_event[5].bytes)[1].bytes);
  CHECK(as_string(image_value[1].bytes) == "fake_B");
  auto image = parse_message(image_value[4].bytes);
  CHECK(image[1].number == 4);  // height
  CHECK(image[2].number == 6);  // width
  CHECK(image[3].number == 3);  // colorspace RGB
  CHECK(as_string(image[4].bytes).starts_with("\x89PNG\r\n\x1a\n"));
  fs::remove_all(dir.parent_path());
}

TEST_CASE("tensorboard: a corrupted byte in an event file fails its record's CRC", "[tensorboard]") {
  const fs::path dir = fresh_dir("corrupt");
  {
    TensorBoardWriter tb(dir);
    tb.add_scalar("loss", 1.0, 0);
  }
  const std::vector<std::byte> file = pigment::read_file(event_files(dir).at(0));
  REQUIRE(read_records(file).error.empty());
  const std::size_t first_record = 12 + little_endian(file.data(), 8) + 4;

  std::vector<std::byte> bad = file;
  bad[first_record + 12 + 5] ^= std::byte{0x01};  // a bit of the second record's data
  CHECK(read_records(bad).error == "data CRC mismatch at " + std::to_string(first_record));
  bad = file;
  bad[first_record] ^= std::byte{0x40};  // its length
  CHECK(read_records(bad).error == "length CRC mismatch at " + std::to_string(first_record));
  bad = file;
  bad.back() ^= std::byte{0x80};  // its data CRC itself
  CHECK(read_records(bad).error == "data CRC mismatch at " + std::to_string(first_record));
  fs::remove_all(dir);
}

TEST_CASE("tensorboard: writers started in the same second write separate files, in name order", "[tensorboard]") {
  const fs::path dir = fresh_dir("two");
  fs::path first, second;
  {
    TensorBoardWriter a(dir);
    first = a.path();
  }
  {
    TensorBoardWriter b(dir);
    second = b.path();
  }
  CHECK(first != second);
  CHECK(first < second);  // TensorBoard reads a directory's files in sorted order
  CHECK(event_files(dir).size() == 2);
  fs::remove_all(dir);
}

TEST_CASE("tensorboard: errors name the file and the reason", "[tensorboard][errors]") {
  const fs::path dir = fresh_dir("errors");
  fs::create_directories(dir);
  std::ofstream(dir / "a_file") << "not a directory";
  const std::string msg = pigment::test::error_of([&] { TensorBoardWriter tb(dir / "a_file" / "runs"); });
  CHECK(msg.find("cannot create the TensorBoard directory") != std::string::npos);
  CHECK(msg.find("a_file/runs") != std::string::npos);

  TensorBoardWriter tb(dir / "ok");
  const std::vector<std::uint8_t> too_few(10);
  CHECK(pigment::test::error_of([&] { tb.add_image("img", 4, 6, 3, too_few, 0); }).find("needs 72 bytes, got 10") !=
        std::string::npos);
  fs::remove_all(dir);
}
