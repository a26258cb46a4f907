#pragma once
// safetensors (huggingface/safetensors): an 8-byte little-endian header length N, N bytes of
// JSON { name: {dtype, shape, data_offsets: [begin, end]}, …, "__metadata__": {str: str} },
// then the data, offsets relative to its start. Pigment writes F32 and F64 tensors and reads
// them back with every field validated: a file that is truncated, overlapping, gapped, out of
// range, of an unknown dtype or inconsistent in shape and size is rejected with the reason.
//
// Checksum: every file Pigment writes carries metadata "pigment_data_checksum", the XXH64 (seed 0)
// of the whole data section (the bytes after the header) as 16 lowercase hex digits. Reading a
// file that has it verifies it, so bit rot or a partial overwrite of the data is reported instead of
// loading wrong weights; files without it (PyTorch's, older Pigment's) are accepted as before.
// XXH64 because it is a published, widely implemented 64-bit hash (python's xxhash computes the
// same value) that reads 8-byte words in four independent lanes: about 15 GB/s on one core, so a
// 150 MB checkpoint costs about 10 ms to write or verify. It detects accidents, not tampering.
#include <cstdint>
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
inline constexpr const char* kDataChecksumKey = "pigment_data_checksum";

// XXH64 of `bytes` (Yann Collet's xxHash, 64-bit variant), the data checksum above.
std::uint64_t xxh64(std::span<const std::byte> bytes, std::uint64_t seed = 0);

// Sets kDataChecksumKey in the metadata (replacing any value given).
std::vector<std::byte> serialize_safetensors(const TensorList& tensors, const Metadata& metadata = {});
// `source` names the data in error messages (a path). A data section that does not match its
// recorded checksum throws "'<source>' is corrupted: …".
SafetensorsContents parse_safetensors(std::span<const std::byte> bytes, const std::string& source,
                                      const Device& device);

// Writes atomically (engine/file_io.h).
void save_safetensors(const std::filesystem::path& path, const TensorList& tensors, const Metadata& metadata = {});
SafetensorsContents load_safetensors(const std::filesystem::path& path, const Device& device);
// The metadata alone, from the header (cheap for a large file): the header's JSON and metadata
// are validated, the tensor entries and the data (and so the checksum) are not. `bytes` may end
// after the header.
Metadata parse_safetensors_metadata(std::span<const std::byte> bytes, const std::string& source);
Metadata read_safetensors_metadata(const std::filesystem::path& path);  // reads only the header

// The number stored under `key` (Pigment writes decimal text), for int, std::int64_t,
// std::uint64_t and double. A missing key or a value that is not a whole number (or a number) is
// an error naming `source` and the key: a damaged header reads as damaged, not as "stoll".
template <class T> T metadata_number(const Metadata& metadata, const std::string& key, const std::string& source);

}  // namespace pigment
