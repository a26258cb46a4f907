#pragma once
// File IO with the guarantees checkpoints need: a file is either the old version or the complete
// new one, never half written, whatever interrupts the write.
#include <cstddef>
#include <filesystem>
#include <span>
#include <vector>

namespace pigment {

// Writes `bytes` to `path` atomically: into a temporary file beside it, fsync, rename over the
// target, fsync the directory. On any failure the target is untouched, the temporary is removed
// and the error names the path and the reason.
void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes);

// Reads a whole file; the error names the path and the reason.
std::vector<std::byte> read_file(const std::filesystem::path& path);

}  // namespace pigment
