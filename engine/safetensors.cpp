#include "engine/safetensors.h"

#include <charconv>

#include <algorithm>
#include <bit>
#include <cstring>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "engine/file_io.h"

namespace pigment {

namespace {
using json = nlohmann::json;

constexpr std::string_view safetensors_dtype(DType t) { return t == DType::f32 ? "F32" : "F64"; }

// The dtypes the format defines, with their sizes; Pigment loads F32 and F64.
std::size_t known_dtype_size(const std::string& name) {
  static const std::map<std::string, std::size_t> sizes = {
      {"BOOL", 1}, {"U8", 1}, {"I8", 1}, {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"I16", 2}, {"U16", 2}, {"F16", 2},
      {"BF16", 2}, {"I32", 4}, {"U32", 4}, {"F32", 4},   {"F64", 8},     {"I64", 8}, {"U64", 8}};
  auto it = sizes.find(name);
  return it == sizes.end() ? 0 : it->second;
}

void put_u64_le(std::vector<std::byte>& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::byte>((v >> (8 * i)) & 0xFF));
}

std::uint64_t get_u64_le(const std::byte* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

// ---- XXH64, written from its specification (xxhash_spec.md, "XXH64 algorithm description") ----
constexpr std::uint64_t kPrime1 = 0x9E3779B185EBCA87ull;
constexpr std::uint64_t kPrime2 = 0xC2B2AE3D27D4EB4Full;
constexpr std::uint64_t kPrime3 = 0x165667B19E3779F9ull;
constexpr std::uint64_t kPrime4 = 0x85EBCA77C2B2AE63ull;
constexpr std::uint64_t kPrime5 = 0x27D4EB2F165667C5ull;

// Little-endian loads whatever the host's byte order (compilers turn these into one load).
std::uint64_t load64(const std::byte* p) { return get_u64_le(p); }
std::uint64_t load32(const std::byte* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
  return v;
}

std::uint64_t xxh_round(std::uint64_t acc, std::uint64_t lane) {
  return std::rotl(acc + lane * kPrime2, 31) * kPrime1;
}
std::uint64_t xxh_merge(std::uint64_t acc, std::uint64_t lane) {
  return (acc ^ xxh_round(0, lane)) * kPrime1 + kPrime4;
}

std::string hex16(std::uint64_t v) { return fmt::format("{:016x}", v); }

// The header's JSON text with `metadata`, padded with spaces so the data starts 8-byte aligned.
std::string header_text(json header, const Metadata& metadata) {
  header["__metadata__"] = metadata;
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');
  return text;
}

// Parses a header, refusing duplicate top-level keys (JSON parsers would keep one silently).
json parse_header(const char* begin, std::size_t size, const std::string& where) {
  std::set<std::string> seen_keys;
  std::string duplicate;
  json header;
  try {
    header = json::parse(begin, begin + size, [&](int depth, json::parse_event_t event, json& parsed) {
      if (depth == 1 && event == json::parse_event_t::key && !seen_keys.insert(parsed.get<std::string>()).second)
        duplicate = parsed.get<std::string>();
      return true;
    });
  } catch (const json::exception& e) {
    PIGMENT_FAIL("{}: the header is not valid JSON: {}", where, e.what());
  }
  PIGMENT_CHECK(duplicate.empty(), "{}: the header lists '{}' twice", where, duplicate);
  PIGMENT_CHECK(header.is_object(), "{}: the header must be a JSON object", where);
  return header;
}

Metadata metadata_of(const json& header, const std::string& where) {
  Metadata metadata;
  auto it = header.find("__metadata__");
  if (it == header.end()) return metadata;
  PIGMENT_CHECK(it->is_object(), "{}: __metadata__ must be an object of strings", where);
  for (auto m = it->begin(); m != it->end(); ++m) {
    PIGMENT_CHECK(m.value().is_string(), "{}: __metadata__ value of '{}' is not a string", where, m.key());
    metadata[m.key()] = m.value().get<std::string>();
  }
  return metadata;
}

// The header length of a file whose first `size` bytes are known, checked against the limit and the size.
std::uint64_t header_length(const std::byte* first8, std::uint64_t size, const std::string& where) {
  PIGMENT_CHECK(size >= 8, "{}: {} bytes is too short for the 8-byte header length (truncated?)", where, size);
  const std::uint64_t n = get_u64_le(first8);
  PIGMENT_CHECK(n <= kSafetensorsMaxHeader, "{}: header length {} exceeds the 100 MB limit (corrupt file?)", where, n);
  PIGMENT_CHECK(8 + n <= size, "{}: header length {} runs past the end of the {}-byte file (truncated?)", where, n,
                size);
  return n;
}
}  // namespace

std::uint64_t xxh64(std::span<const std::byte> bytes, std::uint64_t seed) {
  const std::byte* p = bytes.data();
  const std::byte* const end = p + bytes.size();
  std::uint64_t acc;
  if (bytes.size() >= 32) {
    // Four lanes over 32-byte stripes, then merged.
    std::uint64_t v1 = seed + kPrime1 + kPrime2, v2 = seed + kPrime2, v3 = seed, v4 = seed - kPrime1;
    for (; end - p >= 32; p += 32) {
      v1 = xxh_round(v1, load64(p));
      v2 = xxh_round(v2, load64(p + 8));
      v3 = xxh_round(v3, load64(p + 16));
      v4 = xxh_round(v4, load64(p + 24));
    }
    acc = std::rotl(v1, 1) + std::rotl(v2, 7) + std::rotl(v3, 12) + std::rotl(v4, 18);
    acc = xxh_merge(xxh_merge(xxh_merge(xxh_merge(acc, v1), v2), v3), v4);
  } else {
    acc = seed + kPrime5;
  }
  acc += bytes.size();
  // The last < 32 bytes: 8 at a time, then 4, then one by one.
  for (; end - p >= 8; p += 8) acc = std::rotl(acc ^ xxh_round(0, load64(p)), 27) * kPrime1 + kPrime4;
  if (end - p >= 4) {
    acc = std::rotl(acc ^ (load32(p) * kPrime1), 23) * kPrime2 + kPrime3;
    p += 4;
  }
  for (; p < end; ++p) acc = std::rotl(acc ^ (static_cast<std::uint64_t>(*p) * kPrime5), 11) * kPrime1;
  // Avalanche.
  acc ^= acc >> 33;
  acc *= kPrime2;
  acc ^= acc >> 29;
  acc *= kPrime3;
  acc ^= acc >> 32;
  return acc;
}

Tensor SafetensorsContents::find(const std::string& name) const {
  for (const auto& [n, t] : tensors)
    if (n == name) return t;
  return Tensor();
}

std::vector<std::byte> serialize_safetensors(const TensorList& tensors, const Metadata& metadata) {
  json header = json::object();
  std::uint64_t offset = 0;
  std::set<std::string> names;
  for (const auto& [name, t] : tensors) {
    check_defined("save_safetensors", t, name.c_str());
    PIGMENT_CHECK(name != "__metadata__" && names.insert(name).second,
                  "save_safetensors: tensor name '{}' is reserved or used twice", name);
    json shape = json::array();
    for (std::int64_t d : t.shape()) shape.push_back(d);
    header[name] = {{"dtype", safetensors_dtype(t.dtype())},
                    {"shape", shape},
                    {"data_offsets", {offset, offset + t.nbytes()}}};
    offset += t.nbytes();
  }
  // The checksum covers the data, which follows the header: write the header with a placeholder of
  // the checksum's fixed width, then the data, then the header again with the real value (the
  // same length, so nothing moves). A checksum in `metadata` (of a file read back) is replaced.
  Metadata meta = metadata;
  meta[kDataChecksumKey] = hex16(0);
  const std::string placeholder = header_text(header, meta);
  std::vector<std::byte> out;
  out.reserve(8 + placeholder.size() + offset);
  put_u64_le(out, placeholder.size());
  out.resize(8 + placeholder.size());
  for (const auto& [name, t] : tensors) {
    const Tensor host = t.to(Device::cpu());
    const auto* p = static_cast<const std::byte*>(host.raw_data());
    out.insert(out.end(), p, p + host.nbytes());
  }
  meta[kDataChecksumKey] = hex16(xxh64(std::span(out).subspan(8 + placeholder.size())));
  const std::string text = header_text(header, meta);
  PIGMENT_CHECK(text.size() == placeholder.size(), "save_safetensors: internal error: the header changed length");
  std::memcpy(out.data() + 8, text.data(), text.size());
  return out;
}

SafetensorsContents parse_safetensors(std::span<const std::byte> bytes, const std::string& source,
                                      const Device& device) {
  const std::string where = "safetensors file '" + source + "'";
  const std::uint64_t header_len = header_length(bytes.data(), bytes.size(), where);
  const std::size_t data_size = bytes.size() - 8 - header_len;
  const json header = parse_header(reinterpret_cast<const char*>(bytes.data() + 8), header_len, where);

  SafetensorsContents contents;
  contents.metadata = metadata_of(header, where);
  struct Entry {
    std::string name;
    std::string dtype;
    Shape shape;
    std::uint64_t begin, end;
  };
  std::vector<Entry> entries;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const json& value = it.value();
    if (name == "__metadata__") continue;  // read above
    PIGMENT_CHECK(value.is_object(), "{}: entry '{}' must be an object with dtype, shape and data_offsets", where, name);
    for (auto f = value.begin(); f != value.end(); ++f)
      PIGMENT_CHECK(f.key() == "dtype" || f.key() == "shape" || f.key() == "data_offsets",
                    "{}: entry '{}' has an unknown field '{}'", where, name, f.key());
    PIGMENT_CHECK(value.contains("dtype") && value["dtype"].is_string(), "{}: entry '{}' has no dtype string", where,
                  name);
    PIGMENT_CHECK(value.contains("shape") && value["shape"].is_array(), "{}: entry '{}' has no shape array", where,
                  name);
    PIGMENT_CHECK(value.contains("data_offsets") && value["data_offsets"].is_array() &&
                      value["data_offsets"].size() == 2 && value["data_offsets"][0].is_number_unsigned() &&
                      value["data_offsets"][1].is_number_unsigned(),
                  "{}: entry '{}' needs data_offsets [begin, end] of non-negative integers", where, name);
    Entry e{name, value["dtype"].get<std::string>(), Shape(), value["data_offsets"][0].get<std::uint64_t>(),
            value["data_offsets"][1].get<std::uint64_t>()};
    const std::size_t elem = known_dtype_size(e.dtype);
    PIGMENT_CHECK(elem != 0, "{}: entry '{}' has unknown dtype '{}'", where, name, e.dtype);
    PIGMENT_CHECK(e.dtype == "F32" || e.dtype == "F64",
                  "{}: entry '{}' has dtype {}; Pigment loads F32 and F64 tensors (convert the file, e.g. with "
                  "tools/convert_reference_checkpoint.py)",
                  where, name, e.dtype);
    const json& shape = value["shape"];
    PIGMENT_CHECK(shape.size() <= static_cast<std::size_t>(Shape::kMaxRank),
                  "{}: entry '{}' has {} dimensions; Pigment tensors have at most {}", where, name, shape.size(),
                  Shape::kMaxRank);
    std::uint64_t numel = 1;
    for (const json& d : shape) {
      PIGMENT_CHECK(d.is_number_unsigned(), "{}: entry '{}' has a shape dimension that is not a non-negative integer",
                    where, name);
      const std::uint64_t v = d.get<std::uint64_t>();
      PIGMENT_CHECK(v < (std::uint64_t{1} << 40) && (numel == 0 || v <= (std::uint64_t{1} << 62) / std::max<std::uint64_t>(numel, 1)),
                    "{}: entry '{}' has an implausible shape dimension {}", where, name, v);
      numel *= v;
      e.shape.push_back(static_cast<std::int64_t>(v));
    }
    PIGMENT_CHECK(e.begin <= e.end, "{}: entry '{}' has data_offsets [{}, {}] with begin after end", where, name,
                  e.begin, e.end);
    PIGMENT_CHECK(e.end <= data_size, "{}: entry '{}' has data_offsets [{}, {}] beyond the {}-byte data section "
                  "(truncated file?)", where, name, e.begin, e.end, data_size);
    PIGMENT_CHECK(e.end - e.begin == numel * elem,
                  "{}: entry '{}' of shape {} and dtype {} needs {} bytes but data_offsets [{}, {}] hold {}", where,
                  name, e.shape.str(), e.dtype, numel * elem, e.begin, e.end, e.end - e.begin);
    entries.push_back(std::move(e));
  }

  // The data section must be covered exactly: sorted by offset, no overlap, no gap, no tail.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t cursor = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    PIGMENT_CHECK(e.begin >= cursor, "{}: entries '{}' and '{}' overlap (bytes {}..{} and {}..{})", where,
                  entries[i - 1].name, e.name, entries[i - 1].begin, entries[i - 1].end, e.begin, e.end);
    PIGMENT_CHECK(e.begin == cursor, "{}: a gap of {} bytes precedes entry '{}' (bytes {}..{} are unused)", where,
                  e.begin - cursor, e.name, cursor, e.begin);
    cursor = e.end;
  }
  PIGMENT_CHECK(cursor == data_size, "{}: {} bytes after the last tensor are not described by the header", where,
                data_size - cursor);

  const std::byte* data = bytes.data() + 8 + header_len;
  if (auto it = contents.metadata.find(kDataChecksumKey); it != contents.metadata.end()) {
    const std::string actual = hex16(xxh64({data, data_size}));
    PIGMENT_CHECK(it->second == actual,
                  "'{}' is corrupted: its data does not match its checksum ({} {}, the data's is {}): restore it "
                  "from a copy, or use another checkpoint (--epoch)",
                  source, kDataChecksumKey, it->second, actual);
  }
  for (const Entry& e : entries) {
    const DType dtype = e.dtype == "F32" ? DType::f32 : DType::f64;
    Tensor host = Tensor::empty(e.shape, dtype, Device::cpu());
    if (host.nbytes()) std::memcpy(host.raw_data(), data + e.begin, host.nbytes());
    contents.tensors.emplace_back(e.name, host.to(device));
  }
  return contents;
}

void save_safetensors(const std::filesystem::path& path, const TensorList& tensors, const Metadata& metadata) {
  const std::vector<std::byte> bytes = serialize_safetensors(tensors, metadata);
  write_file_atomically(path, bytes);
}

SafetensorsContents load_safetensors(const std::filesystem::path& path, const Device& device) {
  const std::vector<std::byte> bytes = read_file(path);
  return parse_safetensors(bytes, path.string(), device);
}

Metadata parse_safetensors_metadata(std::span<const std::byte> bytes, const std::string& source) {
  const std::string where = "safetensors file '" + source + "'";
  const std::uint64_t n = header_length(bytes.data(), bytes.size(), where);
  return metadata_of(parse_header(reinterpret_cast<const char*>(bytes.data() + 8), n, where), where);
}

Metadata read_safetensors_metadata(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  PIGMENT_CHECK(in.good(), "cannot read '{}': {}", path.string(),
                std::filesystem::exists(path) ? "cannot open it" : "no such file");
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  PIGMENT_CHECK(!ec, "cannot read '{}': {}", path.string(), ec.message());
  std::vector<std::byte> prefix(8);
  in.read(reinterpret_cast<char*>(prefix.data()), 8);
  const std::uint64_t n = header_length(prefix.data(), size, "safetensors file '" + path.string() + "'");
  prefix.resize(8 + n);
  in.read(reinterpret_cast<char*>(prefix.data() + 8), static_cast<std::streamsize>(n));
  PIGMENT_CHECK(in.gcount() == static_cast<std::streamsize>(n), "cannot read '{}': the header could not be read",
                path.string());
  return parse_safetensors_metadata(prefix, path.string());
}

template <class T> T metadata_number(const Metadata& metadata, const std::string& key, const std::string& source) {
  const auto it = metadata.find(key);
  PIGMENT_CHECK(it != metadata.end(), "'{}': metadata '{}' is missing: not a Pigment file of this kind, or damaged",
                source, key);
  const std::string& text = it->second;
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  PIGMENT_CHECK(ec == std::errc() && end == text.data() + text.size() && !text.empty(),
                "'{}': metadata '{}' is '{}', not a number: the file is damaged; use another checkpoint (--epoch)",
                source, key, text);
  return value;
}

template int metadata_number<int>(const Metadata&, const std::string&, const std::string&);
template std::int64_t metadata_number<std::int64_t>(const Metadata&, const std::string&, const std::string&);
template std::uint64_t metadata_number<std::uint64_t>(const Metadata&, const std::string&, const std::string&);
template double metadata_number<double>(const Metadata&, const std::string&, const std::string&);

}  // namespace pigment
