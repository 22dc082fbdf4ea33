#include "core/content_check.h"

namespace btnode {
namespace {

void extend(std::vector<PieceRange>& ranges, std::int64_t piece) {
  if (!ranges.empty() && ranges.back().last + 1 == piece) {
    ranges.back().last = piece;
  } else {
    ranges.push_back({piece, piece});
  }
}

}  // namespace

std::vector<ContentFile> content_files(const Metainfo& meta,
                                       const std::filesystem::path& download_dir) {
  std::vector<ContentFile> out;
  out.reserve(meta.files.size());
  for (const auto& f : meta.files) {
    // relative_path is sanitised (no "..", no absolute parts), so this stays
    // inside download_dir. Symlinks have size 0 and are never read.
    out.push_back({download_dir / f.relative_path, f.size, f.pad()});
  }
  return out;
}

ContentCheck compare_pieces(const PieceHashes& hashes, const std::vector<Sha1Digest>& expected) {
  ContentCheck check;
  check.total_pieces = static_cast<std::int64_t>(expected.size());
  check.cancelled = hashes.cancelled;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto piece = static_cast<std::int64_t>(i);
    if (i >= hashes.pieces.size() || !hashes.pieces[i]) {
      extend(check.missing, piece);
    } else if (*hashes.pieces[i] != expected[i]) {
      extend(check.bad, piece);
    } else {
      ++check.valid_pieces;
    }
  }
  for (const auto& e : hashes.file_errors) {
    if (!e.empty()) check.problems.push_back(e);
  }
  return check;
}

Result<ContentCheck> verify_content(const Metainfo& meta, const std::filesystem::path& download_dir,
                                    const HashOptions& options) {
  auto hashes = hash_pieces(content_files(meta, download_dir), meta.piece_length, options);
  if (!hashes) return fail(hashes.error());
  return compare_pieces(*hashes, meta.piece_hashes);
}

}  // namespace btnode
