// The disk/hash thread pool shared by all torrents (ARCHITECTURE.md,
// "Threads"). Jobs are plain closures; they report back by posting to the
// network thread themselves, so the pool knows nothing about torrents.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace btnode::storage {

// How a completion gets back to the owner's thread: node/ passes a function
// that posts to its io_context, tests pass a queue they drain.
using Post = std::function<void(std::function<void()>)>;

class WorkerPool {
 public:
  // threads = 0: one per core (std::thread::hardware_concurrency()).
  explicit WorkerPool(unsigned threads = 0);
  // Runs every job already submitted, then joins the threads.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void submit(std::function<void()> job);
  unsigned threads() const { return static_cast<unsigned>(threads_.size()); }
  std::size_t queued() const;

 private:
  void run();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace btnode::storage
