// Metainfo (.torrent) parsing and validation: BEP 3 (info dict), BEP 12
// (announce-list), BEP 19 (url-list web seeds), BEP 27 (private), BEP 47
// (pad files and attributes), and the v1 part of BEP 52 hybrid torrents.
//
// Everything inside `info` is validated strictly (it defines what we write to
// disk and what we hash); keys outside `info` are advisory, so entries of the
// wrong type there are skipped instead of failing the whole torrent.
// Policies: every path is checked by core/path_sanitize.h (rejected, never
// rewritten); `name.utf-8`/`path.utf-8` win over `name`/`path` when present
// (as in libtorrent and Transmission); two files with one path, or a file
// where another needs a directory, are rejected (pad files excepted); piece
// length must be a power of two; v2-only torrents are rejected for now.
// Errors are one line starting "metainfo: "; files are numbered from 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/digest.h"
#include "core/ids.h"
#include "core/result.h"

namespace btnode {

struct FileEntry {
  // Components below the torrent root: for a multi-file torrent the `path`
  // list (without the torrent name); for a single-file torrent just {name}.
  // A BEP 47 pad file without `path` gets {".pad", "<size>"}.
  std::vector<std::string> path;
  // Path relative to the download directory, sanitised, '/'-joined:
  // "<name>/a/b.txt" (multi-file) or "<name>" (single-file).
  std::string relative_path;
  std::int64_t size = 0;
  std::int64_t offset = 0;  // of the first byte in the torrent's byte space
  // BEP 47 `attr`: p = pad file, x = executable, h = hidden, l = symlink.
  std::string attributes;
  // BEP 47 `symlink path` (sanitised, relative to the torrent root); only for 'l'.
  std::vector<std::string> symlink_path;

  bool has_attribute(char c) const { return attributes.find(c) != std::string::npos; }
  bool pad() const { return has_attribute('p'); }
  bool executable() const { return has_attribute('x'); }
  bool hidden() const { return has_attribute('h'); }
  bool symlink() const { return has_attribute('l'); }
};

struct DhtNode {  // BEP 5 `nodes` key of a trackerless torrent
  std::string host;
  int port = 0;
};

struct Metainfo {
  InfoHash info_hash;  // v1 = SHA-1 of the info dict as received; v2 set for hybrids
  std::string name;
  std::int64_t piece_length = 0;
  std::vector<Sha1Digest> piece_hashes;
  std::vector<FileEntry> files;  // in torrent order, pad files included
  bool single_file = true;
  bool hybrid = false;          // BEP 52 hybrid: v2 fields present, only v1 is used
  std::int64_t total_size = 0;  // sum of all file sizes, pad files included

  std::vector<std::vector<std::string>> trackers;  // BEP 12 tiers (or {{announce}})
  std::vector<std::string> web_seeds;              // BEP 19 url-list
  std::vector<DhtNode> dht_nodes;                  // BEP 5 `nodes`
  bool is_private = false;                         // BEP 27
  std::string comment;
  std::string created_by;
  std::optional<std::int64_t> creation_date;  // seconds since the Unix epoch

  std::string info_bytes;  // the raw info dict, for serving ut_metadata (BEP 9)

  std::int64_t piece_count() const { return static_cast<std::int64_t>(piece_hashes.size()); }
  // Bytes in piece `index`: piece_length except for the last piece.
  std::int64_t piece_size(std::int64_t index) const;
};

struct MetainfoLimits {
  std::size_t max_torrent_bytes = 64 << 20;  // whole .torrent file
  std::int64_t max_files = 1'000'000;
  std::int64_t max_total_size = std::int64_t{1} << 50;  // 1 PiB
  std::int64_t min_piece_length = 16 << 10;             // 16 KiB (BEP 52 minimum)
  std::int64_t max_piece_length = 128 << 20;            // 128 MiB
  std::size_t max_trackers = 1000;                      // URLs over all tiers; extras dropped
  std::size_t max_web_seeds = 1000;                     // extras dropped
};

// Parses a whole .torrent file. Errors are one line starting "metainfo: ".
Result<Metainfo> parse_metainfo(std::string_view torrent_bytes, const MetainfoLimits& limits = {});

// Parses a bare info dict (e.g. received via ut_metadata for a magnet link).
// The info-hash is computed over exactly these bytes; trailing bytes are an error.
Result<Metainfo> parse_info_dict(std::string_view info_bytes, const MetainfoLimits& limits = {});

// Reads and parses a .torrent file from disk (size checked before reading).
Result<Metainfo> load_torrent_file(const std::filesystem::path& path,
                                   const MetainfoLimits& limits = {});

}  // namespace btnode
