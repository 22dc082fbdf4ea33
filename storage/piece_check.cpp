#include "storage/piece_check.h"

#include <algorithm>
#include <mutex>

namespace btnode::storage {
namespace {

// Same reasoning as core/piece_hasher: the chunk is still in L2 when SHA-1
// reads it, and 256 KiB makes the syscall cost negligible.
constexpr std::int64_t kChunk = 256 << 10;

struct CheckJob {
  CheckRequest request;
  Post post;
  std::function<void(CheckResult)> done;
  std::vector<std::int64_t> todo;
  std::vector<char> ok;  // one byte per entry of todo: no two workers share a byte
  std::atomic<std::size_t> next{0};
  std::atomic<unsigned> running{0};
  std::mutex problems_mutex;
  std::vector<std::string> problems;  // indexed by file

  bool cancelled() const { return request.cancel && request.cancel->load(); }
  void problem(const DiskError& e, std::size_t file) {
    std::lock_guard lock(problems_mutex);
    if (problems[file].empty()) problems[file] = e.message();
  }
};

bool hash_matches(CheckJob& job, std::int64_t piece, std::vector<char>& buffer, Sha1& sha) {
  FileStore& files = *job.request.files;
  const FileLayout& layout = files.layout();
  const std::int64_t begin = layout.piece_offset(piece);
  const std::int64_t size = layout.piece_size(piece);
  for (std::int64_t done = 0; done < size;) {
    const auto n = static_cast<std::size_t>(std::min<std::int64_t>(size - done, kChunk));
    if (auto e = files.read(begin + done, {buffer.data(), n})) {
      // Rare (the plan skips pieces of missing files), so a scan is fine.
      for (std::size_t f = 0; f < layout.file_count(); ++f) {
        if (files.path(f) == e->path) job.problem(*e, f);
      }
      sha.reset();
      return false;
    }
    sha.update({buffer.data(), n});
    done += static_cast<std::int64_t>(n);
  }
  return sha.finish() == (*job.request.hashes)[static_cast<std::size_t>(piece)];
}

CheckResult collect(CheckJob& job) {
  CheckResult out{Bitfield(job.request.pieces.size()), 0, {}, job.cancelled()};
  for (std::size_t i = 0; i < job.todo.size(); ++i) {
    if (job.ok[i] != 0) out.valid.set(job.todo[i]);
  }
  out.checked = static_cast<std::int64_t>(std::min(job.next.load(), job.todo.size()));
  for (auto& p : job.problems) {
    if (!p.empty()) out.problems.push_back(std::move(p));
  }
  return out;
}

void work(const std::shared_ptr<CheckJob>& job) {
  std::vector<char> buffer(static_cast<std::size_t>(kChunk));
  Sha1 sha;
  while (!job->cancelled()) {
    const std::size_t i = job->next.fetch_add(1);
    if (i >= job->todo.size()) break;
    job->ok[i] = hash_matches(*job, job->todo[i], buffer, sha) ? 1 : 0;
    if (job->request.progress) job->request.progress->fetch_add(1, std::memory_order_relaxed);
  }
  if (job->running.fetch_sub(1) == 1) {  // the last worker out reports
    job->post([job] { job->done(collect(*job)); });
  }
}

}  // namespace

void check_pieces(CheckRequest request, WorkerPool& pool, const Post& post,
                  std::function<void(CheckResult)> done) {
  auto job = std::make_shared<CheckJob>();
  for (std::int64_t p = 0; p < request.pieces.size(); ++p) {
    if (request.pieces.test(p)) job->todo.push_back(p);
  }
  job->ok.assign(job->todo.size(), 0);
  job->problems.resize(request.files->layout().file_count());
  job->request = std::move(request);
  job->post = post;
  job->done = std::move(done);
  const auto workers = static_cast<unsigned>(
      std::clamp<std::size_t>(job->todo.size(), 1, std::max(1u, pool.threads())));
  job->running = workers;
  for (unsigned i = 0; i < workers; ++i) pool.submit([job] { work(job); });
}

}  // namespace btnode::storage
