#include "core/torrent_creator.h"

#include <algorithm>
#include <system_error>

#include "core/bencode.h"
#include "core/path_sanitize.h"

namespace btnode {
namespace {

namespace fs = std::filesystem;
using bencode::Item;

constexpr std::int64_t kMinPiece = 16 << 10;      // BEP 52 minimum, 16 KiB
constexpr std::int64_t kMaxAutoPiece = 16 << 20;  // larger pieces hurt swarms
constexpr std::int64_t kMaxAutoPieces = 2000;

Failure create_error(std::string_view what) {
  return fail("create: " + std::string(what));
}

struct SourceFile {
  std::vector<std::string> components;  // below the torrent root
  fs::path path;
  std::int64_t size = 0;
};

Result<std::string> torrent_name(const fs::path& source, const CreateOptions& options) {
  std::string name = options.name;
  if (name.empty()) {
    std::error_code ec;
    fs::path p = fs::absolute(source, ec).lexically_normal();
    if (!p.has_filename()) p = p.parent_path();  // "dir/" normalises to "dir/"
    name = p.filename().string();
  }
  if (auto ok = check_path_component(name); !ok) return create_error("name: " + ok.error().message);
  return name;
}

// Symlinks to files are followed; anything else that is not a plain file or
// directory is refused rather than skipped, so the torrent is never silently
// missing part of what the user asked for.
Result<bool> is_content_file(const fs::directory_entry& entry) {
  std::error_code ec;
  const auto link = entry.symlink_status(ec);
  if (ec) return create_error("'" + entry.path().string() + "': " + ec.message());
  if (fs::is_directory(link)) return false;
  if (fs::is_regular_file(link)) return true;
  if (!fs::is_symlink(link)) {
    return create_error("'" + entry.path().string() +
                        "' is a special file (fifo, socket or device)");
  }
  const auto target = entry.status(ec);
  if (ec || !fs::exists(target))
    return create_error("'" + entry.path().string() + "' is a dangling symlink");
  if (fs::is_regular_file(target)) return true;
  return create_error("'" + entry.path().string() +
                      "' is a symlink to a directory or special file");
}

Result<SourceFile> source_file(const fs::path& root, const fs::path& path) {
  SourceFile file{{}, path, 0};
  for (const auto& part : path.lexically_relative(root)) file.components.push_back(part.string());
  if (auto ok = sanitize_relative_path(file.components); !ok) {
    return create_error("'" + path.string() +
                        "' cannot be stored in a torrent: " + ok.error().message);
  }
  std::error_code ec;
  const auto size = fs::file_size(path, ec);  // follows symlinks
  if (ec) return create_error("'" + path.string() + "': " + ec.message());
  file.size = static_cast<std::int64_t>(size);
  return file;
}

Result<std::vector<SourceFile>> walk_directory(const fs::path& root, std::int64_t max_files) {
  std::vector<SourceFile> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, ec), end;
  // Directory symlinks are not followed (the default), so the walk is finite.
  for (; !ec && it != end; it.increment(ec)) {
    auto is_file = is_content_file(*it);
    if (!is_file) return fail(is_file.error());
    if (!*is_file) continue;
    if (static_cast<std::int64_t>(files.size()) >= max_files) {
      return create_error("more than " + std::to_string(max_files) + " files");
    }
    auto file = source_file(root, it->path());
    if (!file) return fail(file.error());
    files.push_back(std::move(*file));
  }
  if (ec) return create_error("'" + root.string() + "': " + ec.message());
  std::sort(files.begin(), files.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.components < b.components; });
  return files;
}

Result<std::int64_t> checked_piece_length(std::int64_t requested, std::int64_t total) {
  if (requested == 0) return auto_piece_length(total);
  const MetainfoLimits limits;
  if (requested < limits.min_piece_length || requested > limits.max_piece_length ||
      (requested & (requested - 1)) != 0) {
    return create_error("piece size " + std::to_string(requested) +
                        " must be a power of two from 16 KiB to 128 MiB");
  }
  return requested;
}

Result<std::string> pieces_string(const std::vector<SourceFile>& files, std::int64_t piece_length,
                                  const HashOptions& options) {
  std::vector<ContentFile> content;
  content.reserve(files.size());
  for (const auto& f : files) content.push_back({f.path, f.size, false});
  auto hashes = hash_pieces(content, piece_length, options);
  if (!hashes) return create_error(hashes.error().message);
  if (hashes->cancelled) return create_error("cancelled");
  for (const auto& e : hashes->file_errors) {
    if (!e.empty()) return create_error(e + " (did it change while hashing?)");
  }
  std::string out;
  out.reserve(hashes->pieces.size() * 20);
  for (const auto& p : hashes->pieces) {
    if (!p) return create_error("a piece could not be read (did a file change while hashing?)");
    out.append(reinterpret_cast<const char*>(p->data()), p->size());
  }
  return out;
}

Item::Dict info_dict(const std::string& name, const std::vector<SourceFile>& files,
                     bool single_file, std::int64_t piece_length, bool is_private) {
  Item::Dict info;
  info["name"] = name;
  info["piece length"] = piece_length;
  if (is_private) info["private"] = 1;  // BEP 27
  if (single_file) {
    info["length"] = files.front().size;
    return info;
  }
  Item::List list;
  list.reserve(files.size());
  for (const auto& f : files) {
    Item::List path(f.components.begin(), f.components.end());
    list.push_back(Item::Dict{{"length", f.size}, {"path", std::move(path)}});
  }
  info["files"] = std::move(list);
  return info;
}

// BEP 12: `announce` is the first URL for old clients; `announce-list` holds
// the tiers when there is more than one URL.
void add_trackers(const CreateOptions& options, Item::Dict& root) {
  Item::List tiers;
  std::size_t urls = 0;
  for (const auto& tier : options.tracker_tiers) {
    Item::List list;
    for (const auto& url : tier) {
      if (!url.empty()) list.emplace_back(url);
    }
    urls += list.size();
    if (!list.empty()) tiers.emplace_back(std::move(list));
  }
  if (tiers.empty()) return;
  root["announce"] = std::get<Item::List>(tiers.front().v).front();
  if (urls > 1) root["announce-list"] = std::move(tiers);
}

void add_advisory(const CreateOptions& options, Item::Dict& root) {
  add_trackers(options, root);
  Item::List seeds;
  for (const auto& url : options.web_seeds) {
    if (!url.empty()) seeds.emplace_back(url);
  }
  if (!seeds.empty()) root["url-list"] = std::move(seeds);  // BEP 19
  if (!options.comment.empty()) root["comment"] = options.comment;
  if (!options.created_by.empty()) root["created by"] = options.created_by;
  if (options.creation_date) root["creation date"] = *options.creation_date;
}

Result<std::vector<SourceFile>> collect(const fs::path& source, bool& single_file) {
  std::error_code ec;
  const auto st = fs::status(source, ec);
  if (ec || !fs::exists(st)) {
    return create_error("'" + source.string() + "': " + (ec ? ec.message() : "does not exist"));
  }
  single_file = fs::is_regular_file(st);
  if (single_file) {
    const auto size = fs::file_size(source, ec);
    if (ec) return create_error("'" + source.string() + "': " + ec.message());
    return std::vector<SourceFile>{{{}, source, static_cast<std::int64_t>(size)}};
  }
  if (!fs::is_directory(st))
    return create_error("'" + source.string() + "' is not a file or directory");
  auto files = walk_directory(source, MetainfoLimits{}.max_files);
  if (files && files->empty()) return create_error("'" + source.string() + "' contains no files");
  return files;
}

}  // namespace

std::int64_t auto_piece_length(std::int64_t total_size) {
  std::int64_t piece = kMinPiece;
  // Bounded: at most 10 doublings from 16 KiB to 16 MiB.
  while (piece < kMaxAutoPiece && total_size > piece * kMaxAutoPieces) piece *= 2;
  return piece;
}

Result<CreatedTorrent> create_torrent(const fs::path& source, const CreateOptions& options) {
  auto name = torrent_name(source, options);
  if (!name) return fail(name.error());
  bool single_file = false;
  auto files = collect(source, single_file);
  if (!files) return fail(files.error());
  std::int64_t total = 0;
  for (const auto& f : *files) total += f.size;
  if (total == 0) return create_error("'" + source.string() + "' has no data (total size 0)");
  auto piece_length = checked_piece_length(options.piece_length, total);
  if (!piece_length) return fail(piece_length.error());
  auto pieces = pieces_string(*files, *piece_length, options.hash);
  if (!pieces) return fail(pieces.error());
  Item::Dict info = info_dict(*name, *files, single_file, *piece_length, options.is_private);
  info["pieces"] = std::move(*pieces);
  Item::Dict root{{"info", std::move(info)}};
  add_advisory(options, root);
  CreatedTorrent out;
  out.bytes = bencode::encode(Item(std::move(root)));
  auto meta = parse_metainfo(out.bytes);
  if (!meta)
    return create_error("the created torrent does not parse back: " + meta.error().message);
  out.metainfo = std::move(*meta);
  return out;
}

}  // namespace btnode
