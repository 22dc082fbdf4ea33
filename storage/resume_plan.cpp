#include "storage/resume_plan.h"

namespace btnode::storage {
namespace {

// Could the piece's bytes all be on disk? Pad bytes always are.
bool could_be_complete(const FileLayout& layout, std::int64_t piece,
                       const std::vector<std::optional<FileStat>>& current) {
  return layout.for_each_slice(
      layout.piece_offset(piece), layout.piece_size(piece), [&](const FileSlice& s) {
        return s.pad || (current[s.file] && current[s.file]->size >= s.file_offset + s.length);
      });
}

// Pieces touching a file whose size or mtime differs from the resume data.
Bitfield touched_by_changes(const FileLayout& layout, const ResumeData& resume,
                            const std::vector<std::optional<FileStat>>& current) {
  Bitfield changed(layout.piece_count());
  for (std::size_t f = 0; f < layout.file_count(); ++f) {
    if (layout.file(f).pad || current[f] == resume.files[f]) continue;
    const PieceSpan span = layout.file_pieces(f);
    for (std::int64_t p = span.first; p < span.end; ++p) changed.set(p);
  }
  return changed;
}

}  // namespace

ResumePlan plan_resume(const FileLayout& layout, const std::optional<ResumeData>& resume,
                       const std::vector<std::optional<FileStat>>& current) {
  ResumePlan plan{Bitfield(layout.piece_count()), Bitfield(layout.piece_count())};
  const Bitfield changed =
      resume ? touched_by_changes(layout, *resume, current) : Bitfield(layout.piece_count());
  for (std::int64_t p = 0; p < layout.piece_count(); ++p) {
    if (!could_be_complete(layout, p, current)) continue;
    if (!resume || changed.test(p)) {
      plan.recheck.set(p);
    } else if (resume->pieces.test(p)) {
      plan.trusted.set(p);
    }
  }
  return plan;
}

}  // namespace btnode::storage
