#include "storage/resume_plan.h"

#include <gtest/gtest.h>

namespace btnode::storage {
namespace {

// a: 25 bytes (pieces 0-2), pad: 5 (piece 2), b: 20 (pieces 3-4), c: 0; piece length 10.
FileLayout layout() {
  return *FileLayout::create({{25, false}, {5, true}, {20, false}, {0, false}}, 10);
}

std::vector<std::optional<FileStat>> full() {
  return {FileStat{25, 111}, std::nullopt, FileStat{20, 222}, FileStat{0, 333}};
}

ResumeData resume(const std::vector<int>& pieces) {
  ResumeData r;
  r.pieces = Bitfield(5);
  for (int p : pieces) r.pieces.set(p);
  r.files = full();
  return r;
}

std::string bits(const Bitfield& b) {
  std::string out;
  for (std::int64_t i = 0; i < b.size(); ++i) out += b.test(i) ? '1' : '0';
  return out;
}

TEST(ResumePlan, UnchangedFilesAreTrustedWithoutReading) {
  const ResumePlan plan = plan_resume(layout(), resume({0, 2, 3}), full());
  EXPECT_EQ(bits(plan.trusted), "10110");
  EXPECT_EQ(bits(plan.recheck), "00000");
}

TEST(ResumePlan, ChangedMtimeRechecksOnlyThatFilesPieces) {
  auto now = full();
  now[2]->mtime_ns += 1;
  const ResumePlan plan = plan_resume(layout(), resume({0, 2, 3}), now);
  EXPECT_EQ(bits(plan.trusted), "10100");
  EXPECT_EQ(bits(plan.recheck), "00011");
}

TEST(ResumePlan, ChangedSizeRechecksOnlyThatFilesPieces) {
  auto now = full();
  now[0]->size = 26;  // grew: its pieces are all suspect
  const ResumePlan plan = plan_resume(layout(), resume({0, 1, 2, 3, 4}), now);
  EXPECT_EQ(bits(plan.trusted), "00011");
  EXPECT_EQ(bits(plan.recheck), "11100");
}

TEST(ResumePlan, MissingOrShortFilesMakeTheirPiecesMissingWithoutReading) {
  auto now = full();
  now[2] = std::nullopt;
  auto r = resume({3, 4});
  const ResumePlan plan = plan_resume(layout(), r, now);  // b vanished
  EXPECT_EQ(bits(plan.trusted), "00000");
  EXPECT_EQ(bits(plan.recheck), "00000");
  now = full();
  now[0]->size = 12;  // a is short: only piece 0 can still be complete
  const ResumePlan none = plan_resume(layout(), std::nullopt, now);
  EXPECT_EQ(bits(none.recheck), "10011");
}

TEST(ResumePlan, WithoutResumeDataEveryPossiblePieceIsRechecked) {
  const ResumePlan plan = plan_resume(layout(), std::nullopt, full());
  EXPECT_EQ(bits(plan.trusted), "00000");
  EXPECT_EQ(bits(plan.recheck), "11111");
}

}  // namespace
}  // namespace btnode::storage
