// Torrent creation (BEP 3 v1 torrents, BEP 12 trackers, BEP 19 web seeds,
// BEP 27 private) from a file or a directory.
//
// Decisions (documented because they change the info-hash):
// - Directories are walked recursively; files are sorted by their path
//   components, compared bytewise component by component, so the same tree
//   always gives the same torrent. Hidden files are included.
// - Symlinks to regular files are followed (the target's content is stored
//   under the link's name, as mktorrent does). Symlinks to directories,
//   dangling symlinks and special files (fifo, socket, device) are refused
//   with an error: nothing is skipped silently.
// - No creation date unless asked: same input + options => same bytes.
// - No pad files, no BEP 47 attributes, v1 only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/metainfo.h"
#include "core/piece_hasher.h"
#include "core/result.h"

namespace btnode {

struct CreateOptions {
  std::int64_t piece_length = 0;  // 0 = auto_piece_length(total); else a power of two >= 16 KiB
  // BEP 12 tiers. The first URL becomes `announce`; `announce-list` is written
  // when there is more than one URL. Empty tiers/URLs are dropped.
  std::vector<std::vector<std::string>> tracker_tiers;
  std::vector<std::string> web_seeds;         // BEP 19 url-list
  bool is_private = false;                    // BEP 27
  std::string comment;                        // omitted when empty
  std::string created_by = "btnode/0.1.0";    // omitted when empty
  std::optional<std::int64_t> creation_date;  // omitted unless set (determinism)
  std::string name;                           // torrent name; empty = the source's file name
  HashOptions hash;                           // threads, progress, cancel
};

struct CreatedTorrent {
  std::string bytes;  // the bencoded .torrent
  Metainfo metainfo;  // bytes parsed back (so it is exactly what others will see)
};

// Aims at 1000-2000 pieces: the smallest power of two in [16 KiB, 16 MiB]
// giving at most 2000 pieces (clamped at the ends).
std::int64_t auto_piece_length(std::int64_t total_size);

Result<CreatedTorrent> create_torrent(const std::filesystem::path& source,
                                      const CreateOptions& options = {});

}  // namespace btnode
