#include "storage/content_verify.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "storage/file_store.h"
#include "storage/piece_check.h"
#include "storage/resume_plan.h"
#include "storage/worker_pool.h"

namespace btnode::storage {
namespace {

std::string quoted(const std::filesystem::path& p) {
  return "'" + p.string() + "'";
}

// One line per file whose size alone already rules its pieces out.
std::vector<std::string> size_problems(const FileStore& files,
                                       const std::vector<std::optional<FileStat>>& stats,
                                       const std::filesystem::path& dir) {
  std::vector<std::string> out;
  const FileLayout& layout = files.layout();
  for (std::size_t i = 0; i < stats.size(); ++i) {
    const LayoutFile& f = layout.file(i);
    if (f.pad || f.size == 0) continue;
    const auto path = dir / files.path(i);
    if (!stats[i]) {
      out.push_back(quoted(path) + ": missing or not a regular file");
    } else if (stats[i]->size < f.size) {
      out.push_back(quoted(path) + " is " + std::to_string(stats[i]->size) + " bytes, expected " +
                    std::to_string(f.size));
    }
  }
  return out;
}

// Runs check_pieces and waits for its single posted completion, reporting
// progress meanwhile.
CheckResult run_check(CheckRequest request, const VerifyOptions& options) {
  std::mutex mutex;
  std::condition_variable posted;
  std::function<void()> completion;
  Post post = [&](std::function<void()> f) {
    std::lock_guard lock(mutex);
    completion = std::move(f);
    posted.notify_one();
  };
  const std::int64_t total = request.pieces.count();
  auto progress = std::make_shared<std::atomic<std::int64_t>>(0);
  request.progress = progress;
  CheckResult result;
  WorkerPool pool(options.threads);
  check_pieces(std::move(request), pool, post, [&](CheckResult r) { result = std::move(r); });
  std::unique_lock lock(mutex);
  while (!posted.wait_for(lock, std::chrono::milliseconds(200), [&] { return bool(completion); })) {
    if (options.on_progress) options.on_progress(progress->load(), total);
  }
  completion();
  if (options.on_progress) options.on_progress(total, total);
  return result;
}

}  // namespace

Result<ContentCheck> verify_on_disk(const Metainfo& meta, const std::filesystem::path& download_dir,
                                    const VerifyOptions& options) {
  auto store = FileStore::for_torrent(meta, download_dir);
  if (!store) return fail(store.error());
  std::shared_ptr<FileStore> files = std::move(*store);
  const auto stats = files->stat_files();
  ResumePlan plan = plan_resume(files->layout(), std::nullopt, stats);
  const Bitfield hashed = plan.recheck;
  auto hashes = std::make_shared<const std::vector<Sha1Digest>>(meta.piece_hashes);
  CheckResult result = run_check({files, hashes, std::move(plan.recheck), nullptr, nullptr}, options);

  ContentCheck check;
  check.total_pieces = files->layout().piece_count();
  for (std::int64_t p = 0; p < check.total_pieces; ++p) {
    if (result.valid.test(p)) {
      ++check.valid_pieces;
    } else {
      add_to_ranges(hashed.test(p) ? check.bad : check.missing, p);
    }
  }
  check.problems = size_problems(*files, stats, download_dir);
  for (auto& p : result.problems) check.problems.push_back(std::move(p));
  return check;
}

}  // namespace btnode::storage
