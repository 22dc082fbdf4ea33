#include "core/metainfo.h"

#include <algorithm>
#include <fstream>
#include <string_view>
#include <system_error>
#include <unordered_set>

#include "core/bencode.h"
#include "core/path_sanitize.h"

namespace btnode {
namespace {

using bencode::Value;

constexpr std::size_t kSha1Size = 20;      // BEP 3: `pieces` is a run of 20-byte SHA-1s
constexpr std::int64_t kMetaVersion2 = 2;  // BEP 52 `meta version`

Failure metainfo_error(std::string_view what) {
  return fail("metainfo: " + std::string(what));
}

// "file 3 " or "" (single-file / info dict fields): where a field lives.
std::string where_file(std::int64_t index) {
  return "file " + std::to_string(index) + " ";
}

Result<std::int64_t> require_int(Value dict, std::string_view key, const std::string& where) {
  auto v = dict.find(key);
  if (!v) return metainfo_error(where + "'" + std::string(key) + "' missing");
  if (!v->is_int()) return metainfo_error(where + "'" + std::string(key) + "' is not an integer");
  return v->as_int();
}

Result<std::string_view> require_string(Value dict, std::string_view key,
                                        const std::string& where) {
  auto v = dict.find(key);
  if (!v) return metainfo_error(where + "'" + std::string(key) + "' missing");
  if (!v->is_string()) return metainfo_error(where + "'" + std::string(key) + "' is not a string");
  return v->as_string();
}

// libtorrent and Transmission prefer the `.utf-8` variant when a torrent has
// one (old clients wrote the local code page into the plain key).
std::optional<Value> find_preferring_utf8(Value dict, std::string_view key) {
  if (auto v = dict.find(std::string(key) + ".utf-8")) return v;
  return dict.find(key);
}

Result<std::vector<std::string>> string_list(Value list, const std::string& what) {
  if (!list.is_list()) return metainfo_error(what + " is not a list");
  std::vector<std::string> out;
  out.reserve(list.size());
  for (Value item : list.items()) {
    if (!item.is_string()) return metainfo_error(what + " has a non-string element");
    out.emplace_back(item.as_string());
  }
  return out;
}

Result<std::string> parse_name(Value info) {
  auto v = find_preferring_utf8(info, "name");
  if (!v) return metainfo_error("'name' missing");
  if (!v->is_string()) return metainfo_error("'name' is not a string");
  const std::string_view name = v->as_string();
  if (auto ok = check_path_component(name); !ok)
    return metainfo_error("name: " + ok.error().message);
  return std::string(name);
}

Result<std::int64_t> parse_piece_length(Value info, const MetainfoLimits& limits) {
  auto len = require_int(info, "piece length", "");
  if (!len) return fail(len.error());
  const std::int64_t n = *len;
  if (n < limits.min_piece_length || n > limits.max_piece_length) {
    return metainfo_error("'piece length' " + std::to_string(n) + " is outside " +
                          std::to_string(limits.min_piece_length) + ".." +
                          std::to_string(limits.max_piece_length));
  }
  if ((n & (n - 1)) != 0) {  // BEP 52 requires it; every sane v1 creator does it too
    return metainfo_error("'piece length' " + std::to_string(n) + " is not a power of two");
  }
  return n;
}

Result<std::vector<Sha1Digest>> parse_pieces(Value info) {
  auto pieces = require_string(info, "pieces", "");
  if (!pieces) return fail(pieces.error());
  if (pieces->size() % kSha1Size != 0) {
    return metainfo_error("'pieces' length " + std::to_string(pieces->size()) +
                          " is not a multiple of 20");
  }
  std::vector<Sha1Digest> out(pieces->size() / kSha1Size);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const char* p = pieces->data() + i * kSha1Size;
    std::copy(p, p + kSha1Size, reinterpret_cast<char*>(out[i].data()));
  }
  return out;
}

// BEP 47: `attr` string; for symlinks (`l`) the target in `symlink path`.
Result<void> parse_attributes(Value dict, const std::string& where, FileEntry& file) {
  if (auto attr = dict.find("attr")) {
    if (!attr->is_string()) return metainfo_error(where + "'attr' is not a string");
    file.attributes = std::string(attr->as_string());
  }
  if (!file.symlink()) return {};
  auto target = dict.find("symlink path");
  if (!target) return metainfo_error(where + "is a symlink without 'symlink path'");
  auto parts = string_list(*target, where + "'symlink path'");
  if (!parts) return fail(parts.error());
  if (auto ok = sanitize_relative_path(*parts); !ok) {
    return metainfo_error(where + "symlink target: " + ok.error().message);
  }
  file.symlink_path = std::move(*parts);
  return {};
}

// BEP 47: a symlink's length is 0 and may be omitted.
Result<std::int64_t> parse_file_size(Value dict, const std::string& where, bool symlink) {
  if (symlink && !dict.find("length")) return std::int64_t{0};
  auto size = require_int(dict, "length", where);
  if (!size) return fail(size.error());
  if (*size < 0)
    return metainfo_error(where + "'length' " + std::to_string(*size) + " is negative");
  if (symlink && *size != 0) return metainfo_error(where + "is a symlink with a nonzero 'length'");
  return *size;
}

Result<std::vector<std::string>> parse_file_path(Value dict, const std::string& where,
                                                 const FileEntry& file) {
  auto path = find_preferring_utf8(dict, "path");
  // BEP 47: readers must not require `path` on pad files.
  if (!path && file.pad()) return std::vector<std::string>{".pad", std::to_string(file.size)};
  if (!path) return metainfo_error(where + "'path' missing");
  auto parts = string_list(*path, where + "'path'");
  if (!parts) return fail(parts.error());
  if (parts->empty()) return metainfo_error(where + "'path' is empty");
  for (const auto& c : *parts) {
    if (auto ok = check_path_component(c); !ok) return metainfo_error(where + ok.error().message);
  }
  return parts;
}

Result<FileEntry> parse_file(Value dict, std::int64_t index, const std::string& name) {
  const std::string where = where_file(index);
  if (!dict.is_dict()) return metainfo_error(where + "is not a dictionary");
  FileEntry file;
  if (auto ok = parse_attributes(dict, where, file); !ok) return fail(ok.error());
  auto size = parse_file_size(dict, where, file.symlink());
  if (!size) return fail(size.error());
  file.size = *size;
  auto path = parse_file_path(dict, where, file);
  if (!path) return fail(path.error());
  file.path = std::move(*path);
  std::vector<std::string> full{name};
  full.insert(full.end(), file.path.begin(), file.path.end());
  auto joined = sanitize_relative_path(full);
  if (!joined) return metainfo_error(where + joined.error().message);
  file.relative_path = std::move(*joined);
  return file;
}

// Two files with one path, or a file where another needs a directory, cannot
// both be written; reject instead of letting storage overwrite data.
Result<void> check_layout(const std::vector<FileEntry>& files) {
  std::unordered_set<std::string_view> paths, dirs;
  paths.reserve(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (files[i].pad()) continue;  // never written; BEP 47 names them all ".pad/N"
    const std::string_view p = files[i].relative_path;
    if (dirs.contains(p) || !paths.insert(p).second) {
      return metainfo_error(where_file(static_cast<std::int64_t>(i)) + "path '" + std::string(p) +
                            "' is used twice");
    }
    for (std::size_t slash = p.find('/'); slash != std::string_view::npos;
         slash = p.find('/', slash + 1)) {
      const std::string_view dir = p.substr(0, slash);
      if (paths.contains(dir)) {
        return metainfo_error(where_file(static_cast<std::int64_t>(i)) + "path '" + std::string(p) +
                              "' needs '" + std::string(dir) +
                              "' to be a directory, but it is a file");
      }
      dirs.insert(dir);
    }
  }
  return {};
}

// Assigns offsets and returns the total, refusing overflow and oversize.
Result<std::int64_t> layout_offsets(std::vector<FileEntry>& files, const MetainfoLimits& limits) {
  std::int64_t total = 0;
  for (auto& f : files) {
    f.offset = total;
    if (f.size > limits.max_total_size - total) {
      return metainfo_error("total size exceeds " + std::to_string(limits.max_total_size) +
                            " bytes");
    }
    total += f.size;
  }
  return total;
}

Result<std::vector<FileEntry>> parse_files(Value info, const std::string& name,
                                           const MetainfoLimits& limits) {
  auto list = info.find("files");
  if (!list->is_list()) return metainfo_error("'files' is not a list");
  if (list->size() == 0) return metainfo_error("'files' is empty");
  if (static_cast<std::int64_t>(list->size()) > limits.max_files) {
    return metainfo_error("'files' has " + std::to_string(list->size()) + " entries, more than " +
                          std::to_string(limits.max_files));
  }
  std::vector<FileEntry> files;
  files.reserve(list->size());
  for (Value item : list->items()) {
    auto file = parse_file(item, static_cast<std::int64_t>(files.size()), name);
    if (!file) return fail(file.error());
    files.push_back(std::move(*file));
  }
  if (auto ok = check_layout(files); !ok) return fail(ok.error());
  return files;
}

Result<std::vector<FileEntry>> parse_single(Value info, const std::string& name) {
  FileEntry file;
  if (auto ok = parse_attributes(info, "", file); !ok) return fail(ok.error());
  auto size = parse_file_size(info, "", file.symlink());
  if (!size) return fail(size.error());
  file.size = *size;
  file.path = {name};
  file.relative_path = name;
  return std::vector<FileEntry>{std::move(file)};
}

// BEP 52: `meta version` is checked before anything else. 2 with v1 `pieces`
// is a hybrid whose v1 half we use; 2 without them is v2-only.
Result<bool> check_meta_version(Value info) {
  auto version = info.find("meta version");
  if (!version) return false;
  if (!version->is_int()) return metainfo_error("'meta version' is not an integer");
  if (version->as_int() != kMetaVersion2) {
    return metainfo_error("unsupported 'meta version' " + std::to_string(version->as_int()));
  }
  if (!info.find("pieces")) {
    return metainfo_error(
        "v2-only torrents (BEP 52, 'meta version' 2 without 'pieces') are not supported "
        "yet");
  }
  return true;
}

Result<void> parse_layout(Value info, const MetainfoLimits& limits, Metainfo& meta) {
  const bool has_length = info.find("length").has_value();
  const bool has_files = info.find("files").has_value();
  if (has_length && has_files) return metainfo_error("both 'length' and 'files' present");
  if (!has_length && !has_files) return metainfo_error("'length' and 'files' both missing");
  meta.single_file = !has_files;
  auto files = has_files ? parse_files(info, meta.name, limits) : parse_single(info, meta.name);
  if (!files) return fail(files.error());
  meta.files = std::move(*files);
  auto total = layout_offsets(meta.files, limits);
  if (!total) return fail(total.error());
  if (*total == 0) return metainfo_error("the torrent has no data (total size 0)");
  meta.total_size = *total;
  return {};
}

Result<void> check_piece_count(const Metainfo& meta) {
  const std::int64_t expected = (meta.total_size + meta.piece_length - 1) / meta.piece_length;
  if (meta.piece_count() != expected) {
    return metainfo_error("'pieces' has " + std::to_string(meta.piece_count()) + " hashes, but " +
                          std::to_string(meta.total_size) + " bytes in pieces of " +
                          std::to_string(meta.piece_length) + " need " + std::to_string(expected));
  }
  return {};
}

Result<Metainfo> parse_info(Value info, const MetainfoLimits& limits) {
  if (!info.is_dict()) return metainfo_error("'info' is not a dictionary");
  Metainfo meta;
  auto hybrid = check_meta_version(info);
  if (!hybrid) return fail(hybrid.error());
  meta.hybrid = *hybrid;
  auto name = parse_name(info);
  if (!name) return fail(name.error());
  meta.name = std::move(*name);
  auto piece_length = parse_piece_length(info, limits);
  if (!piece_length) return fail(piece_length.error());
  meta.piece_length = *piece_length;
  auto pieces = parse_pieces(info);
  if (!pieces) return fail(pieces.error());
  meta.piece_hashes = std::move(*pieces);
  if (auto ok = parse_layout(info, limits, meta); !ok) return fail(ok.error());
  if (auto ok = check_piece_count(meta); !ok) return fail(ok.error());
  meta.is_private = info.find_int("private") == 1;  // BEP 27: only the value 1 counts
  meta.info_bytes = std::string(info.raw());
  meta.info_hash.v1 = sha1(meta.info_bytes);
  if (meta.hybrid) meta.info_hash.v2 = sha256(meta.info_bytes);
  return meta;
}

// ---------------------------------------------------------------- outside `info`
// Advisory keys: entries of the wrong type are skipped, not fatal.

void add_tracker_tier(Value tier, const MetainfoLimits& limits, std::size_t& count,
                      Metainfo& meta) {
  if (!tier.is_list()) return;
  std::vector<std::string> urls;
  for (Value url : tier.items()) {
    if (count >= limits.max_trackers) break;
    if (!url.is_string() || url.as_string().empty()) continue;
    urls.emplace_back(url.as_string());
    ++count;
  }
  if (!urls.empty()) meta.trackers.push_back(std::move(urls));
}

// BEP 12: announce-list, when present and usable, replaces announce.
void parse_trackers(Value root, const MetainfoLimits& limits, Metainfo& meta) {
  std::size_t count = 0;
  if (auto list = root.find_list("announce-list")) {
    for (Value tier : list->items()) add_tracker_tier(tier, limits, count, meta);
  }
  if (!meta.trackers.empty()) return;
  if (auto announce = root.find_string("announce"); announce && !announce->empty()) {
    meta.trackers.push_back({std::string(*announce)});
  }
}

// BEP 19: url-list is one URL or a list of them.
void parse_web_seeds(Value root, const MetainfoLimits& limits, Metainfo& meta) {
  auto urls = root.find("url-list");
  if (!urls) return;
  if (urls->is_string()) {
    if (!urls->as_string().empty()) meta.web_seeds.emplace_back(urls->as_string());
    return;
  }
  if (!urls->is_list()) return;
  for (Value url : urls->items()) {
    if (meta.web_seeds.size() >= limits.max_web_seeds) break;
    if (url.is_string() && !url.as_string().empty()) meta.web_seeds.emplace_back(url.as_string());
  }
}

// BEP 5: `nodes` is a list of [host, port] pairs.
void parse_dht_nodes(Value root, const MetainfoLimits& limits, Metainfo& meta) {
  auto nodes = root.find_list("nodes");
  if (!nodes) return;
  for (Value node : nodes->items()) {
    if (meta.dht_nodes.size() >= limits.max_trackers) break;
    if (!node.is_list() || node.size() != 2) continue;
    auto it = node.items().begin();
    const Value host = *it++;
    const Value port = *it;
    if (!host.is_string() || host.as_string().empty() || !port.is_int()) continue;
    if (port.as_int() <= 0 || port.as_int() > 65535) continue;
    meta.dht_nodes.push_back({std::string(host.as_string()), static_cast<int>(port.as_int())});
  }
}

void parse_advisory(Value root, const MetainfoLimits& limits, Metainfo& meta) {
  parse_trackers(root, limits, meta);
  parse_web_seeds(root, limits, meta);
  parse_dht_nodes(root, limits, meta);
  if (auto v = find_preferring_utf8(root, "comment"); v && v->is_string()) {
    meta.comment = std::string(v->as_string());
  }
  if (auto v = root.find_string("created by")) meta.created_by = std::string(*v);
  if (auto v = root.find_int("creation date")) meta.creation_date = *v;
}

bencode::DecodeOptions decode_options(std::size_t input_size, const MetainfoLimits& limits,
                                      bool allow_trailing) {
  bencode::DecodeOptions options;
  // Every element takes at least 2 bytes; a file entry takes ~7 tokens plus
  // one per path component. Both bounds cap the index a hostile input can
  // make us allocate without rejecting any torrent within the file limit.
  const auto per_files = static_cast<std::size_t>(limits.max_files) * 16 + 4096;
  options.max_tokens = std::min(input_size / 2 + 1, per_files);
  options.allow_trailing = allow_trailing;
  return options;
}

}  // namespace

std::int64_t Metainfo::piece_size(std::int64_t index) const {
  if (index < 0 || index >= piece_count()) return 0;
  if (index + 1 < piece_count()) return piece_length;
  return total_size - piece_length * index;
}

Result<Metainfo> parse_metainfo(std::string_view torrent_bytes, const MetainfoLimits& limits) {
  if (torrent_bytes.size() > limits.max_torrent_bytes) {
    return metainfo_error("file is " + std::to_string(torrent_bytes.size()) + " bytes, more than " +
                          std::to_string(limits.max_torrent_bytes));
  }
  // Trailing bytes (a newline, junk) are outside the info-hash; tolerate them.
  auto doc = bencode::decode(torrent_bytes, decode_options(torrent_bytes.size(), limits, true));
  if (!doc) return metainfo_error(doc.error().message);
  const Value root = doc->root();
  if (!root.is_dict()) return metainfo_error("not a dictionary");
  auto info = root.find("info");
  if (!info) return metainfo_error("'info' missing");
  auto meta = parse_info(*info, limits);
  if (!meta) return meta;
  parse_advisory(root, limits, *meta);
  return meta;
}

Result<Metainfo> parse_info_dict(std::string_view info_bytes, const MetainfoLimits& limits) {
  if (info_bytes.size() > limits.max_torrent_bytes) {
    return metainfo_error("info dict is " + std::to_string(info_bytes.size()) +
                          " bytes, more than " + std::to_string(limits.max_torrent_bytes));
  }
  auto doc = bencode::decode(info_bytes, decode_options(info_bytes.size(), limits, false));
  if (!doc) return metainfo_error(doc.error().message);
  return parse_info(doc->root(), limits);
}

Result<Metainfo> load_torrent_file(const std::filesystem::path& path,
                                   const MetainfoLimits& limits) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return metainfo_error("cannot read '" + path.string() + "': " + ec.message());
  if (size > limits.max_torrent_bytes) {
    return metainfo_error("'" + path.string() + "' is " + std::to_string(size) +
                          " bytes, more than " + std::to_string(limits.max_torrent_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  std::string bytes(size, '\0');
  if (!in || !in.read(bytes.data(), static_cast<std::streamsize>(size))) {
    return metainfo_error("cannot read '" + path.string() + "'");
  }
  return parse_metainfo(bytes, limits);
}

}  // namespace btnode
