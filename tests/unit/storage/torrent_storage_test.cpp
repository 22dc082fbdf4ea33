#include "storage/torrent_storage.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "storage/resume_data.h"
#include "tests/unit/storage/storage_test_support.h"

namespace btnode::storage {
namespace {

namespace fs = std::filesystem;
using testing::Content;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::make_content;
using testing::TempDir;

constexpr std::int64_t kPiece = 32768;  // two blocks per piece

// Files: a 70000, pad 1000, b 50000, c 0, d 40000 -> 5 pieces; a = pieces 0-2, b = 2-3, d = 3-4.
Content sample() {
  return make_content({70000, -1000, 50000, 0, 40000}, kPiece);
}

struct Harness {
  explicit Harness(Content c, FileSystem* fsys = nullptr, bool with_resume = true)
      : content(std::move(c)) {
    FileStoreOptions options;
    options.fs = fsys;
    files = std::make_shared<FileStore>(content.layout(), content.paths, dir.path(), options);
    resume = with_resume ? dir / "resume.dat" : fs::path();
  }

  std::unique_ptr<TorrentStorage> make(WorkerPool& pool, testing::Loop& loop) {
    TorrentStorageConfig config{files,
                                content.hashes(),
                                info_hash,
                                resume,
                                &pool,
                                loop.post(),
                                [this](const StorageEvent& e) { events.push_back(e); }};
    return std::make_unique<TorrentStorage>(std::move(config));
  }

  // Feeds piece p in 16 KiB blocks; block `corrupt` (if >= 0) has a flipped byte.
  void feed(TorrentStorage& ts, std::int64_t p, PeerKey from, int corrupt = -1) {
    const std::string bytes = content.piece(p);
    for (std::size_t off = 0, i = 0; off < bytes.size(); off += kBlockSize, ++i) {
      std::string block = bytes.substr(off, kBlockSize);
      if (static_cast<int>(i) == corrupt) block[0] ^= 1;
      ts.add_block(p, static_cast<std::int64_t>(off), block, from + i);
    }
  }

  template <class T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& e : events) {
      if (const T* t = std::get_if<T>(&e)) out.push_back(*t);
    }
    return out;
  }
  template <class T>
  std::size_t count() const {
    return all<T>().size();
  }

  Content content;
  TempDir dir;
  std::shared_ptr<FileStore> files;
  fs::path resume;
  std::array<std::uint8_t, 20> info_hash{{1, 2, 3}};
  std::vector<StorageEvent> events;
};

// Starts `ts` and waits for its CheckFinished.
CheckFinished start(Harness& h, TorrentStorage& ts, testing::Loop& loop) {
  const std::size_t before = h.count<CheckFinished>();
  ts.start();
  EXPECT_TRUE(loop.run_until([&] { return h.count<CheckFinished>() > before; }));
  return h.all<CheckFinished>().back();
}

void download_all(Harness& h, TorrentStorage& ts, testing::Loop& loop) {
  for (std::int64_t p = 0; p < h.content.layout().piece_count(); ++p) h.feed(ts, p, 100);
  EXPECT_TRUE(loop.run_until([&] { return ts.have().all(); }));
}

Result<void> save(TorrentStorage& ts, testing::Loop& loop) {
  std::optional<Result<void>> result;
  ts.save_resume([&](Result<void> r) { result = r; });
  EXPECT_TRUE(loop.run_until([&] { return result.has_value(); }));
  return result.value_or(btnode::fail("timeout"));
}

TEST(TorrentStorage, DownloadsPiecesAndReportsEachOnceWritten) {
  testing::Loop loop;
  Harness h(sample());
  WorkerPool pool(2);
  auto ts = h.make(pool, loop);
  const CheckFinished check = start(h, *ts, loop);
  EXPECT_EQ(check.have, 0);
  EXPECT_TRUE(fs::exists(h.dir / "t/d/f3"));  // the 0-byte file
  download_all(h, *ts, loop);
  EXPECT_EQ(h.count<PieceVerified>(), 5u);
  for (std::size_t f : {0u, 2u, 4u}) {
    EXPECT_EQ(testing::read_file(h.dir / h.content.paths[f]), h.content.file_bytes(f));
  }
  EXPECT_FALSE(fs::exists(h.dir / "t/.pad"));
  EXPECT_EQ(ts->add_block(0, 0, h.content.piece(0).substr(0, kBlockSize), 1),
            BlockStatus::duplicate);
}

TEST(TorrentStorage, PieceFailingItsHashIsDiscardedAndItsSendersReported) {
  testing::Loop loop;
  Harness h(sample());
  WorkerPool pool(2);
  auto ts = h.make(pool, loop);
  start(h, *ts, loop);
  h.feed(*ts, 1, 40, /*corrupt=*/1);  // blocks from peers 40 and 41
  ASSERT_TRUE(loop.run_until([&] { return h.count<PieceFailed>() == 1; }));
  const PieceFailed failed = h.all<PieceFailed>()[0];
  EXPECT_EQ(failed.piece, 1);
  EXPECT_THAT(failed.senders, ElementsAre(40, 41));
  EXPECT_FALSE(ts->have().test(1));
  EXPECT_FALSE(fs::exists(h.dir / "t/f0"));  // nothing of it reached the disk
  h.feed(*ts, 1, 50);
  ASSERT_TRUE(loop.run_until([&] { return ts->have().test(1); }));
}

TEST(TorrentStorage, DiscardedPartialPieceStartsAgainFromNothing) {
  testing::Loop loop;
  Harness h(sample());
  WorkerPool pool(2);
  auto ts = h.make(pool, loop);
  start(h, *ts, loop);
  std::string first = h.content.piece(1).substr(0, kBlockSize);
  first[0] ^= 1;  // a liar's block
  EXPECT_EQ(ts->add_block(1, 0, first, 66), BlockStatus::accepted);
  EXPECT_TRUE(ts->discard_partial(1));
  EXPECT_FALSE(ts->discard_partial(1)) << "nothing left to discard";
  h.feed(*ts, 1, 50);  // an honest peer sends the whole piece
  ASSERT_TRUE(loop.run_until([&] { return ts->have().test(1); }));
  EXPECT_EQ(h.count<PieceFailed>(), 0u) << "the liar's block must not have been used";
}

TEST(TorrentStorage, WriteErrorStopsTheTorrentWithoutClaimingThePiece) {
  testing::Loop loop;
  testing::FaultyFileSystem faulty;
  Harness h(sample(), &faulty);
  WorkerPool pool(2);
  auto ts = h.make(pool, loop);
  start(h, *ts, loop);
  h.feed(*ts, 0, 1);
  ASSERT_TRUE(loop.run_until([&] { return ts->have().test(0); }));
  faulty.pwrite_errno = ENOSPC;
  h.feed(*ts, 3, 1);
  h.feed(*ts, 4, 1);
  ASSERT_TRUE(loop.run_until([&] { return h.count<StorageFailed>() == 1; }));
  EXPECT_TRUE(ts->stopped());
  EXPECT_THAT(ts->error()->message(), HasSubstr("disk full writing 't/"));
  loop.run_until([] { return false; }, std::chrono::milliseconds(100));  // let piece 4 finish
  EXPECT_EQ(h.count<StorageFailed>(), 1u);                               // reported once
  EXPECT_FALSE(ts->have().test(3));
  EXPECT_FALSE(ts->have().test(4));
  EXPECT_TRUE(ts->have().test(0));  // nothing verified is lost
  EXPECT_EQ(ts->add_block(2, 0, h.content.piece(2).substr(0, kBlockSize), 1), BlockStatus::invalid);
  faulty.pwrite_errno = 0;
  ASSERT_TRUE(save(*ts, loop));  // the verified piece is still recorded
  auto saved = decode_resume(*read_resume_file(h.resume));
  ASSERT_TRUE(saved);
  EXPECT_TRUE(saved->pieces.test(0));
  EXPECT_EQ(saved->pieces.count(), 1);
}

TEST(TorrentStorage, OtherTorrentsOnTheSamePoolKeepRunning) {
  testing::Loop loop;
  testing::FaultyFileSystem faulty;
  faulty.pwrite_errno = EIO;
  Harness bad(sample(), &faulty);
  Harness good(make_content({200000}, kPiece));
  WorkerPool pool(2);
  auto a = bad.make(pool, loop);
  auto b = good.make(pool, loop);
  start(bad, *a, loop);
  start(good, *b, loop);
  for (std::int64_t p = 0; p < 5; ++p) bad.feed(*a, p, 1);
  download_all(good, *b, loop);
  ASSERT_TRUE(loop.run_until([&] { return bad.count<StorageFailed>() == 1; }));
  EXPECT_EQ(bad.all<StorageFailed>()[0].error.kind, DiskErrorKind::io);
  EXPECT_FALSE(b->stopped());
}

TEST(TorrentStorage, ResumeDataIsTrustedWhenNothingChanged) {
  testing::Loop loop;
  Harness h(sample());
  WorkerPool pool(2);
  {
    auto ts = h.make(pool, loop);
    start(h, *ts, loop);
    download_all(h, *ts, loop);
    ASSERT_TRUE(save(*ts, loop));
  }
  auto again = h.make(pool, loop);
  const CheckFinished check = start(h, *again, loop);
  EXPECT_EQ(check.resume_problem, "");
  EXPECT_EQ(check.trusted, 5);
  EXPECT_EQ(check.rechecked, 0);
  EXPECT_TRUE(again->have().all());
}

void bump_mtime(const fs::path& p) {
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  timespec times[2] = {st.st_atim, st.st_mtim};
  times[1].tv_nsec = (times[1].tv_nsec + 1) % 1'000'000'000;
  ASSERT_EQ(::utimensat(AT_FDCWD, p.c_str(), times, 0), 0);
}

TEST(TorrentStorage, ChangedMtimeOrSizeRechecksOnlyThatFilesPieces) {
  testing::Loop loop;
  Harness h(sample());
  WorkerPool pool(2);
  {
    auto ts = h.make(pool, loop);
    start(h, *ts, loop);
    download_all(h, *ts, loop);
    ASSERT_TRUE(save(*ts, loop));
  }
  bump_mtime(h.dir / h.content.paths[4]);  // d: pieces 3-4
  auto again = h.make(pool, loop);
  CheckFinished check = start(h, *again, loop);
  EXPECT_EQ(check.trusted, 3);
  EXPECT_EQ(check.rechecked, 2);
  EXPECT_TRUE(again->have().all());
  ASSERT_TRUE(save(*again, loop));
  again.reset();

  std::ofstream(h.dir / h.content.paths[0], std::ios::app) << 'x';  // a grew: pieces 0-2
  auto third = h.make(pool, loop);
  check = start(h, *third, loop);
  EXPECT_EQ(check.trusted, 2);
  EXPECT_EQ(check.rechecked, 3);
  EXPECT_TRUE(third->have().all());  // its bytes are still right
}

TEST(TorrentStorage, MissingCorruptTruncatedOrForeignResumeDataMeansFullRecheck) {
  testing::Loop loop;
  Harness h(sample());
  WorkerPool pool(2);
  std::string good;
  {
    auto ts = h.make(pool, loop);
    start(h, *ts, loop);
    download_all(h, *ts, loop);
    ASSERT_TRUE(save(*ts, loop));
    good = testing::read_file(h.resume);
  }
  std::string foreign = good;
  foreign[foreign.find("9:info-hash20:") + 14] ^= 1;
  for (const std::string& bytes :
       {std::string("garbage"), good.substr(0, good.size() / 2), foreign, std::string()}) {
    if (bytes.empty()) {
      fs::remove(h.resume);
    } else {
      testing::write_file(h.resume, bytes);
    }
    auto ts = h.make(pool, loop);
    const CheckFinished check = start(h, *ts, loop);
    EXPECT_THAT(check.resume_problem, HasSubstr("resume data"));
    EXPECT_EQ(check.trusted, 0);
    EXPECT_EQ(check.rechecked, 5);
    EXPECT_TRUE(ts->have().all());
  }
}

TEST(TorrentStorage, RecheckNeverTrustsCorruptedBytes) {
  testing::Loop loop;
  Harness h(sample(), nullptr, /*with_resume=*/false);
  WorkerPool pool(2);
  for (std::size_t f : {0u, 2u, 4u}) {
    testing::write_file(h.dir / h.content.paths[f], h.content.file_bytes(f));
  }
  std::string b = h.content.file_bytes(2);
  b[40000] ^= 1;  // torrent byte 71000 + 40000: piece 3
  testing::write_file(h.dir / h.content.paths[2], b);
  auto ts = h.make(pool, loop);
  const CheckFinished check = start(h, *ts, loop);
  EXPECT_EQ(check.have, 4);
  EXPECT_FALSE(ts->have().test(3));
}

TEST(TorrentStorage, ReadsBlocksOfPiecesItHasAndReportsFilesDeletedUnderIt) {
  testing::Loop loop;
  Harness h(sample());
  WorkerPool pool(2);
  auto ts = h.make(pool, loop);
  start(h, *ts, loop);
  h.feed(*ts, 2, 1);
  ASSERT_TRUE(loop.run_until([&] { return ts->have().test(2); }));
  std::optional<ReadResult> got;
  EXPECT_FALSE(ts->read_block(1, 0, kBlockSize, [&](ReadResult r) { got = r; }));  // not ours
  EXPECT_FALSE(ts->read_block(2, kPiece - 10, 11, [&](ReadResult r) { got = r; }));
  ASSERT_TRUE(ts->read_block(2, 100, kBlockSize, [&](ReadResult r) { got = r; }));
  ASSERT_TRUE(loop.run_until([&] { return got.has_value(); }));
  EXPECT_FALSE(got->error);
  EXPECT_EQ(got->data, h.content.piece(2).substr(100, kBlockSize));
  h.files->close_files();
  fs::remove(h.dir / h.content.paths[2]);
  got.reset();
  ASSERT_TRUE(ts->read_block(2, 0, kBlockSize, [&](ReadResult r) { got = r; }));
  ASSERT_TRUE(loop.run_until([&] { return got.has_value(); }));
  ASSERT_TRUE(got->error);
  EXPECT_EQ(got->error->kind, DiskErrorKind::file_deleted);
  ASSERT_EQ(h.count<StorageFailed>(), 1u);
  EXPECT_TRUE(ts->stopped());
}

TEST(TorrentStorage, OverlappingSavesAreSerializedAndAllAnswered) {
  testing::Loop loop;
  Harness h(sample());
  WorkerPool pool(2);
  auto ts = h.make(pool, loop);
  start(h, *ts, loop);
  int answered = 0;
  for (int i = 0; i < 3; ++i) {
    h.feed(*ts, i, 1);
    ts->save_resume([&](Result<void> r) {
      EXPECT_TRUE(r);
      ++answered;
    });
  }
  ASSERT_TRUE(loop.run_until([&] { return answered == 3 && ts->have().count() == 3; }));
  ASSERT_TRUE(save(*ts, loop));
  auto saved = decode_resume(*read_resume_file(h.resume));
  ASSERT_TRUE(saved);
  EXPECT_EQ(saved->pieces, ts->have());
}

TEST(TorrentStorage, DestroyedWithJobsInFlightDropsTheirCompletions) {
  testing::Loop loop;
  Harness h(sample());
  WorkerPool pool(2);
  auto ts = h.make(pool, loop);
  ts->start();
  for (std::int64_t p = 0; p < 5; ++p) h.feed(*ts, p, 1);
  ts->save_resume([](Result<void>) { ADD_FAILURE() << "callback after destruction"; });
  ts.reset();
  loop.run_until([] { return false; }, std::chrono::milliseconds(200));
  EXPECT_TRUE(h.events.empty());
}

}  // namespace
}  // namespace btnode::storage
