#include "node/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

namespace btnode::node {
namespace {

std::string errno_text() {
  return std::strerror(errno);
}

Result<void> write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("write failed: " + errno_text());
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// Makes the rename itself durable; failure here is not worth an error (the
// data is in place, only a power cut could lose the rename).
void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  // The pid keeps two processes sharing a state dir from writing one temp file.
  std::filesystem::path temp = path;
  temp += ".tmp." + std::to_string(::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("cannot create " + temp.string() + ": " + errno_text());
  auto written = write_all(fd, bytes);
  if (written && ::fsync(fd) != 0) written = fail("fsync failed: " + errno_text());
  ::close(fd);
  if (written && ::rename(temp.c_str(), path.c_str()) != 0)
    written = fail("cannot rename to " + path.string() + ": " + errno_text());
  if (!written) {
    ::unlink(temp.c_str());
    return fail(temp.string() + ": " + written.error().message);
  }
  sync_directory(path.parent_path());
  return {};
}

Result<std::optional<std::string>> read_small_file(const std::filesystem::path& path,
                                                   std::size_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<std::string>{};
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return fail("cannot stat " + path.string() + ": " + ec.message());
  if (size > max_bytes) return fail(path.string() + " is too large to be a state file");
  std::ifstream in(path, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size)))
    return fail("cannot read " + path.string());
  return std::optional<std::string>{std::move(bytes)};
}

}  // namespace btnode::node
