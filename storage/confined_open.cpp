#include "storage/confined_open.h"

#include <fcntl.h>

#include <cerrno>
#include <string>

namespace btnode::storage {
namespace {

bool bad_component(std::string_view c) {
  return c.empty() || c == "." || c == "..";
}

// Opens (and with create_dirs, makes) the directory `name` below `dir_fd`.
int open_dir(FileSystem& fs, int dir_fd, const std::string& name, bool create) {
  constexpr int kFlags = O_PATH | O_DIRECTORY | O_NOFOLLOW;
  int fd = fs.openat(dir_fd, name.c_str(), kFlags, 0);
  if (fd != -ENOENT || !create) return fd;
  const int made = fs.mkdirat(dir_fd, name.c_str(), 0755);
  if (made < 0 && made != -EEXIST) return made;  // EEXIST: another worker made it first
  return fs.openat(dir_fd, name.c_str(), kFlags, 0);
}

}  // namespace

int open_confined(FileSystem& fs, int root_fd, std::string_view relative, ConfinedOpen how) {
  int dir_fd = root_fd;
  int result = -EINVAL;
  for (;;) {
    const auto slash = relative.find('/');
    const std::string_view part = relative.substr(0, slash);
    if (bad_component(part)) {
      result = -EINVAL;
      break;
    }
    const std::string name(part);
    if (slash == std::string_view::npos) {
      result = fs.openat(dir_fd, name.c_str(), how.flags | O_NOFOLLOW, 0644);
      break;
    }
    const int next = open_dir(fs, dir_fd, name, how.create_dirs);
    if (dir_fd != root_fd) fs.close(dir_fd);
    dir_fd = next;
    if (dir_fd < 0) return dir_fd;
    relative.remove_prefix(slash + 1);
  }
  if (dir_fd != root_fd) fs.close(dir_fd);
  return result;
}

}  // namespace btnode::storage
