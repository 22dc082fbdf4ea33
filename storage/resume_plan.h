// Deciding at start which pieces resume data lets us trust and which must be
// hashed again.
//
// A piece is trusted only when the resume data says it was verified AND every
// file it touches still has the size and mtime (ns) recorded with it: a file
// that changed may have changed anywhere. Pieces touching a changed file are
// rechecked, whatever the resume data says; pieces of unchanged files that
// were not verified stay missing without being read. Without usable resume
// data every piece is rechecked, except those that cannot be complete
// because a file they need is missing or too short.
#pragma once

#include <optional>
#include <vector>

#include "core/bitfield.h"
#include "core/file_layout.h"
#include "storage/file_store.h"
#include "storage/resume_data.h"

namespace btnode::storage {

struct ResumePlan {
  Bitfield trusted;  // have, without reading
  Bitfield recheck;  // hash these
};

// `resume` must already match the torrent (check_resume_matches); nullopt
// when there is none or it was unusable. `current` is FileStore::stat_files().
ResumePlan plan_resume(const FileLayout& layout, const std::optional<ResumeData>& resume,
                       const std::vector<std::optional<FileStat>>& current);

}  // namespace btnode::storage
