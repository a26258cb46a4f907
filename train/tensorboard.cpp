#include "train/tensorboard.h"

#include <unistd.h>

#include <array>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>

#include <fmt/format.h>

#include "engine/error.h"
#include "train/data/stb_codec.h"

namespace pigment::train {

namespace {

// CRC-32C, one table lookup per byte. Entry b is the CRC register after shifting in the byte b
// alone: eight steps of "shift right; xor the reflected polynomial if the bit shifted out was 1".
constexpr std::array<std::uint32_t, 256> make_crc32c_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t b = 0; b < 256; ++b) {
    std::uint32_t r = b;
    for (int k = 0; k < 8; ++k) r = (r >> 1) ^ ((r & 1u) ? 0x82F63B78u : 0u);
    table[b] = r;
  }
  return table;
}
constexpr std::array<std::uint32_t, 256> kCrc32cTable = make_crc32c_table();

void append_little_endian(std::vector<std::byte>& out, std::uint64_t value, int count) {
  for (int i = 0; i < count; ++i) out.push_back(static_cast<std::byte>(value >> (8 * i)));
}

// Protocol-buffer wire format, the four wire types used here: a field is a key varint
// (field_number << 3 | wire_type) followed by its value.
enum class WireType : std::uint32_t { varint = 0, fixed64 = 1, length_delimited = 2, fixed32 = 5 };

class ProtoWriter {
 public:
  // Base-128 varint: 7 bits per byte, least significant group first, high bit set on all but the
  // last byte. An int64 is encoded as its two's-complement uint64 (a negative one takes 10 bytes).
  void varint_field(int field, std::uint64_t value) {
    key(field, WireType::varint);
    varint(value);
  }
  // double and float: their IEEE 754 bits, little-endian (wire types fixed64 and fixed32).
  void double_field(int field, double value) {
    key(field, WireType::fixed64);
    append_little_endian(out_, std::bit_cast<std::uint64_t>(value), 8);
  }
  void float_field(int field, float value) {
    key(field, WireType::fixed32);
    append_little_endian(out_, std::bit_cast<std::uint32_t>(value), 4);
  }
  // Strings, bytes and embedded messages: the length as a varint, then the bytes.
  void bytes_field(int field, std::span<const std::byte> bytes) {
    key(field, WireType::length_delimited);
    varint(bytes.size());
    out_.insert(out_.end(), bytes.begin(), bytes.end());
  }
  void string_field(int field, const std::string& text) { bytes_field(field, std::as_bytes(std::span(text))); }
  void message_field(int field, const ProtoWriter& message) { bytes_field(field, message.bytes()); }

  std::span<const std::byte> bytes() const { return out_; }

 private:
  void key(int field, WireType type) {
    varint(static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(type));
  }
  void varint(std::uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<std::byte>(value | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<std::byte>(value));
  }
  std::vector<std::byte> out_;
};

// Field numbers of event.proto and summary.proto (see the header).
namespace event_field {
constexpr int wall_time = 1, step = 2, file_version = 3, summary = 5, session_log = 7;
}
namespace summary_field {
constexpr int value = 1;
}
namespace value_field {
constexpr int tag = 1, simple_value = 2, image = 4;
}
namespace image_field {
constexpr int height = 1, width = 2, colorspace = 3, encoded_image_string = 4;
}
namespace session_log_field {
constexpr int status = 1;
constexpr std::uint64_t status_start = 1;
}

// An Event with its time and step; the caller adds the one `what` field.
ProtoWriter event_header(std::int64_t step) {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  ProtoWriter event;
  event.double_field(event_field::wall_time, std::chrono::duration<double>(since_epoch).count());
  event.varint_field(event_field::step, static_cast<std::uint64_t>(step));
  return event;
}

ProtoWriter summary_event(const ProtoWriter& summary, std::int64_t step) {
  ProtoWriter event = event_header(step);
  event.message_field(event_field::summary, summary);
  return event;
}

std::string last_error() { return std::strerror(errno); }

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

}  // namespace

std::uint32_t crc32c(std::span<const std::byte> bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::byte b : bytes) crc = (crc >> 8) ^ kCrc32cTable[(crc ^ static_cast<std::uint32_t>(b)) & 0xFFu];
  return crc ^ 0xFFFFFFFFu;
}

std::uint32_t masked_crc32c(std::span<const std::byte> bytes) {
  const std::uint32_t crc = crc32c(bytes);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

TensorBoardWriter::TensorBoardWriter(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  PIGMENT_CHECK(!ec && std::filesystem::is_directory(dir), "cannot create the TensorBoard directory '{}': {}",
                dir.string(), ec ? ec.message() : std::string("it exists and is not a directory"));
  const std::int64_t seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string host = host_name();
  // "x": create, never reuse an existing file; on a clash take the next second (see the header).
  for (std::int64_t later = 0; later < 1000; ++later) {
    path_ = dir / fmt::format("events.out.tfevents.{}.{}.{}.pigment", seconds + later, host, ::getpid());
    file_.reset(std::fopen(path_.c_str(), "wbx"));
    if (file_ || errno != EEXIST) break;
  }
  PIGMENT_CHECK(file_, "cannot create the TensorBoard event file '{}': {}", path_.string(), last_error());
  ProtoWriter event = event_header(0);
  event.string_field(event_field::file_version, "brain.Event:2");
  write_event(event.bytes());
  flush();  // a reader that opens the file now sees its version
}

void TensorBoardWriter::start_session(std::int64_t step) {
  ProtoWriter session_log;
  session_log.varint_field(session_log_field::status, session_log_field::status_start);
  ProtoWriter event = event_header(step);
  event.message_field(event_field::session_log, session_log);
  write_event(event.bytes());
}

void TensorBoardWriter::add_scalar(const std::string& tag, double value, std::int64_t step) {
  add_scalars({{tag, value}}, step);
}

void TensorBoardWriter::add_scalars(const std::vector<std::pair<std::string, double>>& values, std::int64_t step) {
  ProtoWriter summary;
  for (const auto& [tag, value] : values) {
    ProtoWriter v;
    v.string_field(value_field::tag, tag);
    v.float_field(value_field::simple_value, static_cast<float>(value));
    summary.message_field(summary_field::value, v);
  }
  write_event(summary_event(summary, step).bytes());
}

void TensorBoardWriter::add_image(const std::string& tag, int height, int width, int channels,
                                  std::span<const std::uint8_t> pixels, std::int64_t step) {
  PIGMENT_CHECK(height > 0 && width > 0 && channels >= 1 && channels <= 4,
                "TensorBoard image '{}': expected height, width > 0 and 1-4 channels, got {}x{}x{}", tag, height,
                width, channels);
  const std::size_t expected =
      static_cast<std::size_t>(height) * static_cast<std::size_t>(width) * static_cast<std::size_t>(channels);
  PIGMENT_CHECK(pixels.size() == expected, "TensorBoard image '{}': {}x{}x{} needs {} bytes, got {}", tag, height,
                width, channels, expected, pixels.size());
  const std::vector<std::byte> png = data::detail::encode_png(pixels, width, height, channels);
  PIGMENT_CHECK(!png.empty(), "TensorBoard image '{}': PNG encoding of {}x{}x{} failed", tag, height, width,
                channels);
  ProtoWriter image;
  image.varint_field(image_field::height, static_cast<std::uint64_t>(height));
  image.varint_field(image_field::width, static_cast<std::uint64_t>(width));
  image.varint_field(image_field::colorspace, static_cast<std::uint64_t>(channels));  // 1, 2, 3, 4 as channels
  image.bytes_field(image_field::encoded_image_string, png);
  ProtoWriter v;
  v.string_field(value_field::tag, tag);
  v.message_field(value_field::image, image);
  ProtoWriter summary;
  summary.message_field(summary_field::value, v);
  write_event(summary_event(summary, step).bytes());
}

void TensorBoardWriter::flush() {
  PIGMENT_CHECK(std::fflush(file_.get()) == 0 && ::fsync(::fileno(file_.get())) == 0,
                "cannot write the TensorBoard event file '{}': {} (is the disk full?)", path_.string(), last_error());
}

void TensorBoardWriter::write_event(std::span<const std::byte> event) {
  // The record: length, its masked CRC, the data, the data's masked CRC.
  std::vector<std::byte> record;
  record.reserve(event.size() + 16);
  append_little_endian(record, event.size(), 8);
  append_little_endian(record, masked_crc32c(std::span(record).first(8)), 4);
  record.insert(record.end(), event.begin(), event.end());
  append_little_endian(record, masked_crc32c(event), 4);
  PIGMENT_CHECK(std::fwrite(record.data(), 1, record.size(), file_.get()) == record.size(),
                "cannot write the TensorBoard event file '{}': {} (is the disk full?)", path_.string(), last_error());
}

}  // namespace pigment::train
