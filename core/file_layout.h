// The one mapping between a torrent's pieces and its files (BEP 3: the
// pieces cut the concatenation of all files, in torrent order, into
// piece_length slices; BEP 47 pad files are part of that concatenation but
// are zeros that never exist on disk).
//
// The piece hasher, content verification and storage/ all walk pieces through
// this class, so "which bytes of which file make up piece 7" has a single
// answer and a single set of property tests.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/result.h"

namespace btnode {

struct Metainfo;

struct LayoutFile {
  std::int64_t size = 0;
  bool pad = false;  // BEP 47 pad file: zeros, never read or written
};

// A run of bytes that lies in one file.
struct FileSlice {
  std::size_t file = 0;
  std::int64_t file_offset = 0;   // first byte inside the file
  std::int64_t length = 0;        // > 0
  std::int64_t range_offset = 0;  // first byte relative to the start of the requested range
  bool pad = false;
  bool operator==(const FileSlice&) const = default;
};

// Half-open piece index range [first, end).
struct PieceSpan {
  std::int64_t first = 0;
  std::int64_t end = 0;
  bool empty() const { return first >= end; }
  bool contains(std::int64_t piece) const { return piece >= first && piece < end; }
  bool operator==(const PieceSpan&) const = default;
};

class FileLayout {
 public:
  FileLayout() = default;

  // Fails on piece_length <= 0, a negative size or a total that overflows.
  static Result<FileLayout> create(std::vector<LayoutFile> files, std::int64_t piece_length);
  // The torrent's files (pad files included) and piece length; also checks
  // that the number of piece hashes matches the total size.
  static Result<FileLayout> from_metainfo(const Metainfo& meta);

  std::int64_t piece_length() const { return piece_length_; }
  std::int64_t piece_count() const { return piece_count_; }
  std::int64_t total_size() const { return total_; }
  std::int64_t piece_offset(std::int64_t piece) const { return piece * piece_length_; }
  // piece_length except for the last piece.
  std::int64_t piece_size(std::int64_t piece) const {
    return std::min(piece_length_, total_ - piece_offset(piece));
  }

  std::size_t file_count() const { return files_.size(); }
  const LayoutFile& file(std::size_t index) const { return files_[index]; }
  std::int64_t file_offset(std::size_t index) const { return offsets_[index]; }

  // Pieces holding at least one byte of the file; empty for 0-byte files.
  PieceSpan file_pieces(std::size_t index) const;

  // Calls f(const FileSlice&) for each non-empty part of the torrent byte
  // range [offset, offset + length), in order; 0-byte files yield nothing.
  // Stops and returns false as soon as f returns false. The range must lie
  // within [0, total_size()].
  template <class F>
  bool for_each_slice(std::int64_t offset, std::int64_t length, F&& f) const;

  // Allocating conveniences over for_each_slice.
  std::vector<FileSlice> slices(std::int64_t offset, std::int64_t length) const;
  std::vector<FileSlice> piece_slices(std::int64_t piece) const {
    return slices(piece_offset(piece), piece_size(piece));
  }

 private:
  // Index of the last file starting at or before `offset` (a 0-byte file
  // there is skipped by for_each_slice's loop).
  std::size_t file_at(std::int64_t offset) const;

  std::vector<LayoutFile> files_;
  std::vector<std::int64_t> offsets_;  // first torrent byte of each file
  std::int64_t piece_length_ = 0;
  std::int64_t piece_count_ = 0;
  std::int64_t total_ = 0;
};

template <class F>
bool FileLayout::for_each_slice(std::int64_t offset, std::int64_t length, F&& f) const {
  const std::int64_t end = offset + length;
  for (std::size_t i = length > 0 ? file_at(offset) : files_.size(); i < files_.size(); ++i) {
    if (offset >= end) break;
    const std::int64_t file_end = offsets_[i] + files_[i].size;
    if (file_end <= offset) continue;  // 0-byte file sharing the offset
    const std::int64_t stop = std::min(end, file_end);
    const FileSlice slice{i, offset - offsets_[i], stop - offset, offset - (end - length),
                          files_[i].pad};
    if (!f(slice)) return false;
    offset = stop;
  }
  return true;
}

}  // namespace btnode
