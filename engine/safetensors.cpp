#include "engine/safetensors.h"

#include <algorithm>
#include <cstring>
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
}  // namespace

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
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');  // the data starts 8-byte aligned
  std::vector<std::byte> out;
  out.reserve(8 + text.size() + offset);
  put_u64_le(out, text.size());
  for (char c : text) out.push_back(static_cast<std::byte>(c));
  for (const auto& [name, t] : tensors) {
    const Tensor host = t.to(Device::cpu());
    const auto* p = static_cast<const std::byte*>(host.raw_data());
    out.insert(out.end(), p, p + host.nbytes());
  }
  return out;
}

SafetensorsContents parse_safetensors(std::span<const std::byte> bytes, const std::string& source,
                                      const Device& device) {
  const std::string where = "safetensors file '" + source + "'";
  PIGMENT_CHECK(bytes.size() >= 8, "{}: {} bytes is too short for the 8-byte header length (truncated?)", where,
                bytes.size());
  std::uint64_t header_len = 0;
  for (int i = 0; i < 8; ++i) header_len |= static_cast<std::uint64_t>(bytes[static_cast<std::size_t>(i)]) << (8 * i);
  PIGMENT_CHECK(header_len <= kSafetensorsMaxHeader, "{}: header length {} exceeds the 100 MB limit (corrupt file?)",
                where, header_len);
  PIGMENT_CHECK(8 + header_len <= bytes.size(), "{}: header length {} runs past the end of the {}-byte file (truncated?)",
                where, header_len, bytes.size());
  const std::size_t data_size = bytes.size() - 8 - header_len;
  const auto* header_begin = reinterpret_cast<const char*>(bytes.data() + 8);

  // Parse, refusing duplicate top-level keys (JSON parsers would keep one silently).
  std::set<std::string> seen_keys;
  std::string duplicate;
  json header;
  try {
    header = json::parse(header_begin, header_begin + header_len,
                         [&](int depth, json::parse_event_t event, json& parsed) {
                           if (depth == 1 && event == json::parse_event_t::key &&
                               !seen_keys.insert(parsed.get<std::string>()).second)
                             duplicate = parsed.get<std::string>();
                           return true;
                         });
  } catch (const json::exception& e) {
    PIGMENT_FAIL("{}: the header is not valid JSON: {}", where, e.what());
  }
  PIGMENT_CHECK(duplicate.empty(), "{}: the header lists '{}' twice", where, duplicate);
  PIGMENT_CHECK(header.is_object(), "{}: the header must be a JSON object", where);

  SafetensorsContents contents;
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
    if (name == "__metadata__") {
      PIGMENT_CHECK(value.is_object(), "{}: __metadata__ must be an object of strings", where);
      for (auto m = value.begin(); m != value.end(); ++m) {
        PIGMENT_CHECK(m.value().is_string(), "{}: __metadata__ value of '{}' is not a string", where, m.key());
        contents.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
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

}  // namespace pigment
