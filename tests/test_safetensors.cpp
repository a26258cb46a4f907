#include <cstring>
#include <filesystem>
#include <fstream>

#include "engine/safetensors.h"
#include "helpers.h"

using namespace pigment;
using test::error_of;

namespace {
// A file from a literal header and `data_bytes` bytes of data.
std::vector<std::byte> file_with(const std::string& header, std::size_t data_bytes) {
  std::vector<std::byte> out;
  const std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::byte>((n >> (8 * i)) & 0xFF));
  for (char c : header) out.push_back(static_cast<std::byte>(c));
  out.resize(out.size() + data_bytes, std::byte{0});
  return out;
}

std::string parse_error(const std::vector<std::byte>& bytes) {
  return error_of([&] { parse_safetensors(bytes, "test.safetensors", Device::cpu()); });
}
}  // namespace

TEST_CASE("safetensors round trip keeps names, shapes, dtypes, values and metadata", "[safetensors]") {
  const Device cpu = Device::cpu();
  const TensorList tensors = {{"model.1.weight", Tensor::from_vector<double>({2, 1, 1, 2}, {1, 2, 3, 4}, cpu, DType::f32)},
                              {"gamma", Tensor::from_vector<double>({1}, {0.125}, cpu, DType::f64)},
                              {"empty", Tensor::zeros({0, 3}, DType::f32, cpu)},
                              {"scalar", Tensor::scalar(-2.5, DType::f32, cpu)}};
  const auto bytes = serialize_safetensors(tensors, {{"format", "pt"}, {"epoch", "7"}});
  const SafetensorsContents back = parse_safetensors(bytes, "memory", cpu);
  REQUIRE(back.tensors.size() == 4);
  CHECK(back.metadata.at("epoch") == "7");
  for (const auto& [name, t] : tensors) {
    const Tensor r = back.find(name);
    REQUIRE(r.defined());
    CHECK(r.shape() == t.shape());
    CHECK(r.dtype() == t.dtype());
    CHECK(r.to_vector<double>() == t.to_vector<double>());
  }
  // And through a file, written atomically.
  const auto path = std::filesystem::temp_directory_path() / "pigment_test_roundtrip.safetensors";
  save_safetensors(path, tensors);
  CHECK(load_safetensors(path, cpu).find("gamma").item() == 0.125);
  std::filesystem::remove(path);
}

TEST_CASE("the data of a written file starts 8-byte aligned", "[safetensors]") {
  const auto bytes = serialize_safetensors({{"x", Tensor::zeros({3}, DType::f32, Device::cpu())}});
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= static_cast<std::uint64_t>(bytes[static_cast<std::size_t>(i)]) << (8 * i);
  CHECK((8 + n) % 8 == 0);
}

TEST_CASE("malformed safetensors files are rejected, each with its own reason", "[safetensors][errors]") {
  const std::string ok_entry = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  REQUIRE(parse_error(file_with("{" + ok_entry + "}", 8)).empty());

  CHECK(parse_error(std::vector<std::byte>(5)).find("too short") != std::string::npos);
  {
    auto huge = file_with("{}", 0);
    huge[4] = std::byte{1};  // header length 2^32 + 2
    CHECK(parse_error(huge).find("exceeds the 100 MB limit") != std::string::npos);
  }
  {
    auto truncated = file_with("{" + ok_entry + "}", 8);
    truncated.resize(20);
    CHECK(parse_error(truncated).find("runs past the end") != std::string::npos);
  }
  CHECK(parse_error(file_with("{not json", 0)).find("not valid JSON") != std::string::npos);
  CHECK(parse_error(file_with("[1,2]", 0)).find("must be a JSON object") != std::string::npos);
  CHECK(parse_error(file_with("{" + ok_entry + "," + ok_entry + "}", 8)).find("lists 'a' twice") != std::string::npos);
  CHECK(parse_error(file_with(R"({"a":{"dtype":"Q7","shape":[2],"data_offsets":[0,8]}})", 8))
            .find("unknown dtype 'Q7'") != std::string::npos);
  CHECK(parse_error(file_with(R"({"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", 8))
            .find("loads F32 and F64") != std::string::npos);
  CHECK(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8))
            .find("needs 12 bytes") != std::string::npos);
  CHECK(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8))
            .find("begin after end") != std::string::npos);
  CHECK(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})", 8))
            .find("beyond the 8-byte data section") != std::string::npos);
  CHECK(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                              R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                              12))
            .find("overlap") != std::string::npos);
  CHECK(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                              R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                              12))
            .find("a gap of 4 bytes precedes entry 'b'") != std::string::npos);
  CHECK(parse_error(file_with("{" + ok_entry + "}", 12)).find("4 bytes after the last tensor") != std::string::npos);
  CHECK(parse_error(file_with(R"({"__metadata__":{"k":1}})", 0)).find("is not a string") != std::string::npos);
  CHECK(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[1,1,1,1,2],"data_offsets":[0,8]}})", 8))
            .find("at most 4") != std::string::npos);
  CHECK(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}})", 8))
            .find("unknown field 'extra'") != std::string::npos);
  CHECK(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8))
            .find("not a non-negative integer") != std::string::npos);
  CHECK(parse_error(file_with(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", 8))
            .find("needs data_offsets") != std::string::npos);
}

TEST_CASE("an unwritable or missing path gets a clear error and leaves nothing behind", "[safetensors][errors]") {
  const TensorList t = {{"x", Tensor::zeros({2}, DType::f32, Device::cpu())}};
  CHECK(error_of([&] { save_safetensors("/nonexistent_dir_pigment/x.safetensors", t); }).find("does not exist") !=
        std::string::npos);
  CHECK(error_of([&] { load_safetensors("/nonexistent_dir_pigment/x.safetensors", Device::cpu()); })
            .find("no such file") != std::string::npos);
}

TEST_CASE("the data checksum is XXH64, matching its published values", "[safetensors][checksum]") {
  auto of = [](std::string_view s) { return xxh64(std::as_bytes(std::span(s.data(), s.size()))); };
  // xxHash's and python-xxhash's documented values (seed 0); together they take every path: under
  // 32 bytes, the 32-byte stripes, and the 8-, 4- and 1-byte tails.
  CHECK(of("") == 0xEF46DB3751D8E999ull);
  CHECK(of("abc") == 0x44BC2CF5AD770999ull);
  CHECK(of("Nobody inspects the spammish repetition") == 0xFBCEA83C8A378BF1ull);
  CHECK(of("The quick brown fox jumps over the lazy dog") == 0x0B242D361FDA71BCull);
  // A longer buffer and a seed, as python's xxhash.xxh64 computes them.
  std::vector<std::byte> long_input(1000);
  for (std::size_t i = 0; i < long_input.size(); ++i) long_input[i] = static_cast<std::byte>(i % 251);
  CHECK(xxh64(long_input) == 0xF306F04AA88B54D3ull);
  CHECK(xxh64(std::as_bytes(std::span("abc", 3)), 1) == 0xBEA9CA8199328908ull);

  // Every written file records the checksum of its data section.
  const auto bytes = serialize_safetensors({{"x", Tensor::from_vector<double>({3}, {1, 2, 3}, Device::cpu(), DType::f32)}},
                                           {{"format", "pt"}});
  const Metadata m = parse_safetensors_metadata(bytes, "memory");
  CHECK(m.at("format") == "pt");
  REQUIRE(m.count(kDataChecksumKey));
  CHECK(m.at(kDataChecksumKey) == fmt::format("{:016x}", xxh64(std::span(bytes).last(12))));
  // A checksum among the metadata given (a file read back and saved again) is recomputed.
  Metadata stale = m;
  stale[kDataChecksumKey] = "0123456789abcdef";
  const auto again = serialize_safetensors({{"x", Tensor::zeros({3}, DType::f32, Device::cpu())}}, stale);
  CHECK(parse_safetensors_metadata(again, "memory").at(kDataChecksumKey) == fmt::format("{:016x}", xxh64(std::span(again).last(12))));
}

TEST_CASE("a file whose data does not match its checksum is refused as corrupted, naming it", "[safetensors][checksum]") {
  const auto path = std::filesystem::temp_directory_path() / "pigment_test_corrupted.safetensors";
  const TensorList tensors = {{"w", Tensor::from_vector<double>({4}, {0.5, -1, 2, 8}, Device::cpu(), DType::f32)}};
  save_safetensors(path, tensors, {{"format", "pigment"}});
  std::vector<std::byte> bytes;
  {
    std::ifstream in(path, std::ios::binary);
    std::vector<char> raw((std::istreambuf_iterator<char>(in)), {});
    for (char c : raw) bytes.push_back(static_cast<std::byte>(c));
  }
  REQUIRE(parse_error(bytes).empty());
  bytes[bytes.size() - 3] ^= std::byte{0x10};  // one bit of the last value: still a valid float
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  const std::string message = error_of([&] { load_safetensors(path, Device::cpu()); });
  CHECK_THAT(message, Catch::StartsWith("'" + path.string() + "' is corrupted: its data does not match its checksum") &&
                          Catch::Contains("restore it from a copy, or use another checkpoint (--epoch)"));
  // The header alone still reads (the checksum covers the data).
  CHECK(read_safetensors_metadata(path).at("format") == "pigment");
  std::filesystem::remove(path);
}

TEST_CASE("a file without a checksum, as PyTorch writes them, still loads", "[safetensors][checksum]") {
  const std::string header = R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
  auto bytes = file_with(header, 8);
  const float values[2] = {1.5f, -2.0f};
  std::memcpy(bytes.data() + 8 + header.size(), values, sizeof values);
  const SafetensorsContents c = parse_safetensors(bytes, "torch.safetensors", Device::cpu());
  CHECK(c.metadata.count(kDataChecksumKey) == 0);
  CHECK(c.find("a").to_vector<double>() == std::vector<double>{1.5, -2.0});
}

TEST_CASE("numbers in metadata are read with the file and the key named when damaged", "[safetensors]") {
  const Metadata m{{"steps", "120"}, {"lr", "0.0002"}, {"best", "inf"}, {"damaged", "12a"}, {"empty", ""}};
  CHECK(metadata_number<std::int64_t>(m, "steps", "f") == 120);
  CHECK(metadata_number<double>(m, "lr", "f") == 0.0002);
  CHECK(std::isinf(metadata_number<double>(m, "best", "f")));  // the plateau policy's initial best
  for (const char* key : {"damaged", "empty"})
    CHECK_THAT(error_of([&] { metadata_number<std::int64_t>(m, key, "run/latest_state.safetensors"); }),
               Catch::Contains("'run/latest_state.safetensors': metadata '" + std::string(key) + "'") &&
                   Catch::Contains("not a number: the file is damaged"));
  CHECK_THAT(error_of([&] { metadata_number<int>(m, "missing", "f"); }), Catch::Contains("'missing' is missing"));
}
