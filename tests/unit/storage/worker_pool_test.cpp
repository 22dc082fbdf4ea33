#include "storage/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "tests/unit/storage/storage_test_support.h"

namespace btnode::storage {
namespace {

TEST(WorkerPool, DefaultsToOneThreadPerCore) {
  WorkerPool pool;
  EXPECT_EQ(pool.threads(), std::max(1u, std::thread::hardware_concurrency()));
}

TEST(WorkerPool, RunsJobsOnItsThreadsAndPostsBack) {
  testing::Loop loop;
  std::atomic<int> ran{0};
  int completions = 0;  // touched only on the "network thread" (this one)
  std::set<std::thread::id> seen;
  std::mutex seen_mutex;
  {
    WorkerPool pool(3);
    const Post post = loop.post();
    for (int i = 0; i < 100; ++i) {
      pool.submit([&, post] {
        ++ran;
        {
          std::lock_guard lock(seen_mutex);
          seen.insert(std::this_thread::get_id());
        }
        post([&completions] { ++completions; });
      });
    }
    EXPECT_TRUE(loop.run_until([&] { return completions == 100; }));
  }
  EXPECT_EQ(ran, 100);
  EXPECT_FALSE(seen.contains(std::this_thread::get_id()));
  EXPECT_LE(seen.size(), 3u);
}

TEST(WorkerPool, DestructorRunsQueuedJobs) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(1);
    for (int i = 0; i < 50; ++i) pool.submit([&] { ++ran; });
  }
  EXPECT_EQ(ran, 50);
}

}  // namespace
}  // namespace btnode::storage
