#pragma once
// safetensors (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of
// JSON { name: {dtype, shape, data_offsets: [begin, end]}, …, "__metadata__": {str: str} },
// then the data, offsets relative to its start. Pigment writes F32 and F64 tensors and reads
// them back with every field validated: a file that is truncated, overlapping, gapped, out of
// range, of an unknown dtype or inconsistent in shape and size is rejected with the reason.
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"

namespace pigment {

using TensorList = std::vector<std::pair<std::string, Tensor>>;
using Metadata = std::map<std::string, std::string>;

struct SafetensorsContents {
  TensorList tensors;  // in file order (by data offset)
  Metadata metadata;
  Tensor find(const std::string& name) const;
};

inline constexpr std::size_t kSafetensorsMaxHeader = 100u << 20;  // 100 MB

std::vector<std::byte> serialize_safetensors(const TensorList& tensors, const Metadata& metadata = {});
// `source` names the data in error messages (a path).
SafetensorsContents parse_safetensors(std::span<const std::byte> bytes, const std::string& source,
                                      const Device& device);

// Writes atomically (engine/file_io.h).
void save_safetensors(const std::filesystem::path& path, const TensorList& tensors, const Metadata& metadata = {});
SafetensorsContents load_safetensors(const std::filesystem::path& path, const Device& device);

}  // namespace pigment
