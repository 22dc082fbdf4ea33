// A hashing progress line on stderr, for people at a terminal only: scripts
// and --json consumers must not see carriage-return noise.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace btnode::cli {

class ProgressLine {
 public:
  // Disabled (every call a no-op) unless `enabled` and stderr is a terminal.
  ProgressLine(std::string label, bool enabled);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Thread-safe; meant for HashOptions::on_progress. Redraws at most ~10x/s.
  void update(std::int64_t done, std::int64_t total);
  std::function<void(std::int64_t, std::int64_t)> callback();
  // Erases the line so the final result starts on a clean row.
  void finish();

 private:
  std::string label_;
  bool enabled_;
  std::atomic<std::int64_t> best_done_{0};
  std::atomic<double> next_draw_{0.0};
  std::mutex draw_mutex_;
  double start_;
  bool drawn_ = false;
};

}  // namespace btnode::cli
