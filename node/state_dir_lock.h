// One process at a time owns a state dir. Without it, two long-running
// btnodes started with the same (default) state dir would both take the saved
// DHT node id — two nodes answering for one id confuse everyone's routing
// tables — and overwrite each other's saved nodes.
//
// The lock is flock(2) on `<dir>/lock`: the kernel drops it when the process
// dies, so a killed btnode never leaves a stale lock behind.
#pragma once

#include <filesystem>

#include "core/result.h"

namespace btnode::node {

class StateDirLock {
 public:
  // Creates the directory if needed. Fails, saying why, when another process
  // (or another lock object of this one) holds the dir, or it cannot be opened.
  static Result<StateDirLock> acquire(const std::filesystem::path& dir);

  StateDirLock(StateDirLock&& other) noexcept;
  StateDirLock& operator=(StateDirLock&& other) noexcept;
  StateDirLock(const StateDirLock&) = delete;
  StateDirLock& operator=(const StateDirLock&) = delete;
  ~StateDirLock();

 private:
  explicit StateDirLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace btnode::node
