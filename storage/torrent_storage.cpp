#include "storage/torrent_storage.h"

#include "storage/atomic_file.h"
#include "storage/resume_data.h"
#include "storage/resume_plan.h"

namespace btnode::storage {

struct TorrentStorage::StartResult {
  std::optional<DiskError> create_error;
  ResumePlan plan;
  std::string resume_problem;
};

// Worker side of start(): everything up to the decision what to hash.
TorrentStorage::StartResult TorrentStorage::prepare(FileStore& files,
                                                    const std::filesystem::path& resume_path,
                                                    const std::array<std::uint8_t, 20>& info_hash) {
  StartResult out;
  out.create_error = files.create_files();
  std::optional<ResumeData> resume;
  if (resume_path.empty()) {
    out.resume_problem = "no resume data configured";
  } else if (auto bytes = read_resume_file(resume_path); !bytes) {
    out.resume_problem = bytes.error().message;
  } else if (auto data = decode_resume(*bytes); !data) {
    out.resume_problem = data.error().message;
  } else if (auto ok = check_resume_matches(*data, info_hash, files.layout()); !ok) {
    out.resume_problem = ok.error().message;
  } else {
    resume = std::move(*data);
  }
  out.plan = plan_resume(files.layout(), resume, files.stat_files());
  return out;
}

TorrentStorage::TorrentStorage(TorrentStorageConfig config)
    : files_(std::move(config.files)),
      hashes_(std::make_shared<const std::vector<Sha1Digest>>(std::move(config.piece_hashes))),
      info_hash_(config.info_hash),
      resume_path_(std::move(config.resume_path)),
      pool_(*config.pool),
      post_(std::move(config.post)),
      on_event_(std::move(config.on_event)),
      assembler_(files_->layout()),
      have_(files_->layout().piece_count()) {}

TorrentStorage::~TorrentStorage() {
  cancel_->store(true);
  alive_.reset();
}

TorrentStorage::Deliver TorrentStorage::deliverer() {
  return [post = post_, token = std::weak_ptr<int>(alive_),
          self = this](std::function<void(TorrentStorage&)> f) {
    post([token, self, f = std::move(f)] {
      if (token.lock()) f(*self);
    });
  };
}

void TorrentStorage::fail(const DiskError& error) {
  if (error_) return;  // the first error is the reason; later ones are its echoes
  error_ = error;
  emit(StorageFailed{error});
}

void TorrentStorage::start() {
  checking_ = true;
  pool_.submit([deliver = deliverer(), files = files_, path = resume_path_, hash = info_hash_] {
    auto result = std::make_shared<StartResult>(prepare(*files, path, hash));
    deliver([result](TorrentStorage& self) { self.on_started(std::move(*result)); });
  });
}

void TorrentStorage::on_started(StartResult result) {
  if (result.create_error) fail(*result.create_error);
  for (std::int64_t p = 0; p < have_.size(); ++p) {
    if (result.plan.trusted.test(p)) have_.set(p);
  }
  CheckFinished summary;
  summary.trusted = result.plan.trusted.count();
  summary.resume_problem = std::move(result.resume_problem);
  CheckRequest request{files_, hashes_, std::move(result.plan.recheck), cancel_};
  // check_pieces posts `done` itself; the token guards against our destruction.
  auto done = [token = std::weak_ptr<int>(alive_), self = this, summary](CheckResult r) mutable {
    if (!token.lock()) return;
    for (std::int64_t p = 0; p < r.valid.size(); ++p) {
      if (r.valid.test(p)) self->have_.set(p);
    }
    summary.rechecked = r.checked;
    summary.problems = std::move(r.problems);
    summary.have = self->have_.count();
    self->checking_ = false;
    self->emit(summary);
  };
  check_pieces(std::move(request), pool_, post_, std::move(done));
}

BlockStatus TorrentStorage::add_block(std::int64_t piece, std::int64_t offset,
                                      std::string_view data, PeerKey from) {
  if (stopped()) return BlockStatus::invalid;
  if (piece >= 0 && piece < have_.size() && (have_.test(piece) || verifying_.contains(piece))) {
    return BlockStatus::duplicate;
  }
  const BlockStatus status = assembler_.add_block(piece, offset, data, from);
  if (status == BlockStatus::complete) submit_piece(*assembler_.take(piece));
  return status;
}

void TorrentStorage::submit_piece(AssembledPiece piece) {
  verifying_.insert(piece.piece);
  auto job = std::make_shared<AssembledPiece>(std::move(piece));
  pool_.submit([deliver = deliverer(), job, files = files_, hashes = hashes_] {
    const std::int64_t index = job->piece;
    const bool matched = sha1(job->bytes) == (*hashes)[static_cast<std::size_t>(index)];
    std::optional<DiskError> error;
    if (matched) error = files->write(files->layout().piece_offset(index), job->bytes);
    job->bytes = std::string();  // free the piece now, not when the completion runs
    deliver([job, matched, error](TorrentStorage& self) {
      if (matched) return self.on_piece_done(job->piece, error);
      self.verifying_.erase(job->piece);
      self.emit(PieceFailed{job->piece, job->senders});
    });
  });
}

void TorrentStorage::on_piece_done(std::int64_t piece, std::optional<DiskError> error) {
  verifying_.erase(piece);
  if (error) return fail(*error);
  have_.set(piece);
  emit(PieceVerified{piece});
}

bool TorrentStorage::discard_partial(std::int64_t piece) {
  if (verifying_.contains(piece)) return false;
  return assembler_.drop(piece);
}

bool TorrentStorage::read_block(std::int64_t piece, std::int64_t offset, std::int64_t length,
                                std::function<void(ReadResult)> done) {
  if (piece < 0 || piece >= have_.size() || !have_.test(piece)) return false;
  const FileLayout& layout = files_->layout();
  if (offset < 0 || length <= 0 || length > layout.piece_size(piece) - offset) return false;
  pool_.submit([deliver = deliverer(), files = files_, at = layout.piece_offset(piece) + offset,
                length, done = std::move(done)] {
    ReadResult result;
    result.data.resize(static_cast<std::size_t>(length));
    result.error = files->read(at, result.data);
    if (result.error) result.data.clear();
    auto shared = std::make_shared<ReadResult>(std::move(result));
    deliver([shared, done](TorrentStorage& self) {
      if (shared->error) self.fail(*shared->error);
      done(std::move(*shared));
    });
  });
  return true;
}

void TorrentStorage::save_resume(std::function<void(Result<void>)> done) {
  if (done) save_waiters_.push_back(std::move(done));
  if (saving_) {
    save_again_ = true;
    return;
  }
  start_save();
}

void TorrentStorage::start_save() {
  saving_ = true;
  save_again_ = false;
  auto waiters =
      std::make_shared<std::vector<std::function<void(Result<void>)>>>(std::move(save_waiters_));
  save_waiters_.clear();
  ResumeData data{info_hash_, have_, {}};
  pool_.submit([deliver = deliverer(), files = files_, path = resume_path_, data = std::move(data),
                waiters]() mutable {
    Result<void> result;
    if (path.empty()) {
      result = btnode::fail("resume data: no resume path configured");
    } else if (auto error = files->flush()) {
      result = btnode::fail("resume data not saved: " + error->message());
    } else {
      data.files = files->stat_files();  // after the flush: these are the synced files
      result = write_file_atomically(path, encode_resume(data));
    }
    deliver([result, waiters](TorrentStorage& self) {
      self.saving_ = false;
      for (auto& w : *waiters) w(result);
      if (self.save_again_) self.start_save();
    });
  });
}

}  // namespace btnode::storage
