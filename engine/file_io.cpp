#include "engine/file_io.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "engine/error.h"

namespace pigment {

namespace {
std::string last_error() { return std::strerror(errno); }

// Closes the descriptor and removes the temporary file unless committed.
class TemporaryFile {
 public:
  explicit TemporaryFile(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  }
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  int fd() const { return fd_; }
  bool close_fd() {
    const int r = ::close(fd_);
    fd_ = -1;
    return r == 0;
  }
  void commit() { committed_ = true; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  bool committed_ = false;
};
}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  PIGMENT_CHECK(std::filesystem::is_directory(dir), "cannot write '{}': the directory '{}' does not exist (create it, "
                "or choose another --checkpoints_dir / output path)", path.string(), dir.string());
  const std::filesystem::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  TemporaryFile file(tmp);
  PIGMENT_CHECK(file.fd() >= 0, "cannot write '{}': {} (check that '{}' is writable)", path.string(), last_error(),
                dir.string());
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(file.fd(), bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    PIGMENT_CHECK(n > 0, "cannot write '{}': {} after {} of {} bytes (is the disk full?)", path.string(),
                  last_error(), written, bytes.size());
    written += static_cast<std::size_t>(n);
  }
  PIGMENT_CHECK(::fsync(file.fd()) == 0, "cannot write '{}': fsync failed: {}", path.string(), last_error());
  PIGMENT_CHECK(file.close_fd(), "cannot write '{}': close failed: {}", path.string(), last_error());
  PIGMENT_CHECK(::rename(tmp.c_str(), path.c_str()) == 0, "cannot write '{}': rename from '{}' failed: {}",
                path.string(), tmp.string(), last_error());
  file.commit();
  // Make the rename itself durable.
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

std::vector<std::byte> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  PIGMENT_CHECK(in.good(), "cannot read '{}': {}", path.string(),
                std::filesystem::exists(path) ? last_error() : std::string("no such file"));
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  PIGMENT_CHECK(size >= 0, "cannot read '{}': not a regular file", path.string());
  in.seekg(0, std::ios::beg);
  std::vector<std::byte> bytes(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), size);
  PIGMENT_CHECK(in.gcount() == size, "cannot read '{}': short read ({} of {} bytes)", path.string(), in.gcount(), size);
  return bytes;
}

}  // namespace pigment
