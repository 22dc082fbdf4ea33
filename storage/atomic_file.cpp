#include "storage/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>
#include <system_error>

namespace btnode::storage {
namespace {

Failure failed(std::string_view step, const std::filesystem::path& path, int code) {
  return fail(std::string(step) + " '" + path.string() +
              "': " + std::system_category().message(code));
}

Result<void> write_all(int fd, std::string_view bytes, const std::filesystem::path& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return failed("writing", path, n < 0 ? errno : ENOSPC);
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<void> write_synced(const std::filesystem::path& tmp, std::string_view bytes) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return failed("creating", tmp, errno);
  auto ok = write_all(fd, bytes, tmp);
  if (ok && ::fsync(fd) != 0) ok = failed("syncing", tmp, errno);
  if (::close(fd) != 0 && ok) ok = failed("closing", tmp, errno);
  return ok;
}

Result<void> sync_dir(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return failed("opening", dir, errno);
  const int r = ::fsync(fd);
  const int code = errno;
  ::close(fd);
  if (r != 0) return failed("syncing", dir, code);
  return {};
}

}  // namespace

Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view bytes) {
  std::filesystem::path tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  if (auto ok = write_synced(tmp, bytes); !ok) {
    ::unlink(tmp.c_str());
    return ok;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int code = errno;
    ::unlink(tmp.c_str());
    return failed("renaming to", path, code);
  }
  const auto dir = path.parent_path();
  return sync_dir(dir.empty() ? std::filesystem::path(".") : dir);
}

Result<std::optional<std::string>> read_small_file(const std::filesystem::path& path,
                                                   std::size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>{};
    return failed("opening", path, errno);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int code = errno;
      ::close(fd);
      return failed("reading", path, code);
    }
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      ::close(fd);
      return fail("'" + path.string() + "' is too large (over " + std::to_string(max_bytes) +
                  " bytes): not a state file of ours");
    }
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>{std::move(out)};
}

}  // namespace btnode::storage
