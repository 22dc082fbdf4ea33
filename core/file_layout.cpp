#include "core/file_layout.h"

#include <string>

#include "core/metainfo.h"

namespace btnode {

Result<FileLayout> FileLayout::create(std::vector<LayoutFile> files, std::int64_t piece_length) {
  if (piece_length <= 0) return fail("file layout: piece length must be positive");
  FileLayout layout;
  layout.offsets_.reserve(files.size());
  std::int64_t total = 0;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (files[i].size < 0) {
      return fail("file layout: file " + std::to_string(i) + " has a negative size");
    }
    if (files[i].size > INT64_MAX - total) return fail("file layout: total size overflows");
    layout.offsets_.push_back(total);
    total += files[i].size;
  }
  layout.files_ = std::move(files);
  layout.piece_length_ = piece_length;
  layout.total_ = total;
  // Written so that total + piece_length cannot overflow.
  layout.piece_count_ = total / piece_length + (total % piece_length != 0 ? 1 : 0);
  return layout;
}

Result<FileLayout> FileLayout::from_metainfo(const Metainfo& meta) {
  std::vector<LayoutFile> files;
  files.reserve(meta.files.size());
  for (const auto& f : meta.files) files.push_back({f.size, f.pad()});
  auto layout = create(std::move(files), meta.piece_length);
  if (!layout) return layout;
  if (layout->piece_count() != meta.piece_count()) {
    return fail("file layout: " + std::to_string(layout->total_size()) + " bytes need " +
                std::to_string(layout->piece_count()) + " pieces, the torrent has " +
                std::to_string(meta.piece_count()));
  }
  return layout;
}

PieceSpan FileLayout::file_pieces(std::size_t index) const {
  const std::int64_t size = files_[index].size;
  if (size == 0) return {};
  const std::int64_t first = offsets_[index] / piece_length_;
  const std::int64_t last = (offsets_[index] + size - 1) / piece_length_;
  return {first, last + 1};
}

std::vector<FileSlice> FileLayout::slices(std::int64_t offset, std::int64_t length) const {
  std::vector<FileSlice> out;
  for_each_slice(offset, length, [&out](const FileSlice& s) {
    out.push_back(s);
    return true;
  });
  return out;
}

std::size_t FileLayout::file_at(std::int64_t offset) const {
  // The last file whose first byte is at or before `offset`; earlier 0-byte
  // files at the same offset are skipped because upper_bound lands past them.
  auto it = std::upper_bound(offsets_.begin(), offsets_.end(), offset);
  if (it == offsets_.begin()) return files_.size();
  return static_cast<std::size_t>(it - offsets_.begin()) - 1;
}

}  // namespace btnode
