#include "tools/btnode/progress.h"

#include <cstdio>

#include "tools/btnode/common.h"

namespace btnode::cli {

namespace {
constexpr double kRedrawSeconds = 0.1;
}

ProgressLine::ProgressLine(std::string label, bool enabled)
    : label_(std::move(label)), enabled_(enabled && stderr_is_terminal()), start_(now_seconds()) {}

ProgressLine::~ProgressLine() {
  finish();
}

void ProgressLine::update(std::int64_t done, std::int64_t total) {
  if (!enabled_ || total <= 0) return;
  // Workers report out of order; show the highest count seen so far.
  std::int64_t best = best_done_.load(std::memory_order_relaxed);
  while (done > best && !best_done_.compare_exchange_weak(best, done)) {
  }
  double now = now_seconds();
  if (now < next_draw_.load(std::memory_order_relaxed) && done < total) return;
  // A worker that finds the lock taken skips drawing rather than waiting:
  // hashing must never stall on the terminal.
  std::unique_lock lock(draw_mutex_, std::try_to_lock);
  if (!lock.owns_lock()) return;
  next_draw_.store(now + kRedrawSeconds, std::memory_order_relaxed);
  std::int64_t shown = best_done_.load(std::memory_order_relaxed);
  std::fprintf(stderr, "\r%s %3d%% (%lld/%lld pieces, %.1f s)", label_.c_str(),
               static_cast<int>(shown * 100 / total), static_cast<long long>(shown),
               static_cast<long long>(total), now - start_);
  std::fflush(stderr);
  drawn_ = true;
}

std::function<void(std::int64_t, std::int64_t)> ProgressLine::callback() {
  if (!enabled_) return {};
  return [this](std::int64_t done, std::int64_t total) { update(done, total); };
}

void ProgressLine::finish() {
  std::lock_guard lock(draw_mutex_);
  if (!drawn_) return;
  std::fprintf(stderr, "\r\033[K");  // back to column 0, clear to end of line
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace btnode::cli
