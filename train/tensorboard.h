#pragma once
// TensorBoard event files, written without a protobuf library.
//
// An event file is a TFRecord file: a sequence of records, each
//   uint64 length (little-endian) | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)
// with masked_crc32c(x) = rotate_right(crc32c(x), 15) + 0xa282ead8 (the mask keeps a CRC of data
// that itself contains CRCs from being a fixed point of the CRC). crc32c is CRC-32C (Castagnoli:
// reflected polynomial 0x82F63B78, initial value and final xor 0xFFFFFFFF).
//
// Each record's data is one serialized `Event` message (tensorboard/compat/proto/event.proto and
// summary.proto; only the fields written here):
//   Event      { double wall_time = 1; int64 step = 2; oneof what { string file_version = 3;
//                Summary summary = 5; SessionLog session_log = 7; } }
//   Summary    { repeated Value value = 1; }
//   Value      { string tag = 1; oneof value { float simple_value = 2; Image image = 4; } }
//   Image      { int32 height = 1; int32 width = 2; int32 colorspace = 3; bytes encoded_image_string = 4; }
//   SessionLog { SessionStatus status = 1; }   (START = 1)
// (Field 6 of Event is the deprecated log_message, not session_log.)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace pigment::train {

// CRC-32C of `bytes`; crc32c("123456789") = 0xE3069283.
std::uint32_t crc32c(std::span<const std::byte> bytes);
// TFRecord's masked CRC-32C: ((crc >> 15) | (crc << 17)) + 0xa282ead8, modulo 2^32.
std::uint32_t masked_crc32c(std::span<const std::byte> bytes);

class TensorBoardWriter {
 public:
  // Opens a new event file <dir>/events.out.tfevents.<unix seconds>.<hostname>.<pid>.pigment
  // (creating dir) and writes the file_version event "brain.Event:2". TensorBoard reads a
  // directory's event files in name order, so a second writer started within the same second
  // names its file with the next free second: names sort in creation order.
  // Movable, not copyable; the destructor closes the file (stdio flushes it) and never throws.
  explicit TensorBoardWriter(const std::filesystem::path& dir);

  // Marks a (re)start at `step` with a SessionLog START event. TensorBoard's reader then drops
  // every event read so far (of earlier files too, every tag) with step >= `step`, so a resumed
  // run shows no duplicate or orphaned steps.
  void start_session(std::int64_t step);

  // Scalars are stored as float32 (simple_value), as TensorBoard does.
  void add_scalar(const std::string& tag, double value, std::int64_t step);
  void add_scalars(const std::vector<std::pair<std::string, double>>& values, std::int64_t step);  // one event

  // An 8-bit image, height × width × channels, row-major and interleaved (1: gray, 2: gray+alpha,
  // 3: RGB, 4: RGBA), stored PNG-encoded.
  void add_image(const std::string& tag, int height, int width, int channels, std::span<const std::uint8_t> pixels,
                 std::int64_t step);

  // Every record written so far is complete in the file and synced to disk.
  void flush();

  const std::filesystem::path& path() const { return path_; }

 private:
  void write_event(std::span<const std::byte> event);

  struct CloseFile {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  std::filesystem::path path_;
  std::unique_ptr<std::FILE, CloseFile> file_;
};

}  // namespace pigment::train
