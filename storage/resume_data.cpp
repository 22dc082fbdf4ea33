#include "storage/resume_data.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "core/bencode.h"
#include "storage/atomic_file.h"

namespace btnode::storage {
namespace {

constexpr std::string_view kFormat = "btnode resume";
constexpr std::int64_t kVersion = 1;

Result<std::optional<FileStat>> decode_file(bencode::Value v) {
  if (!v.is_dict()) return fail("resume data: a file entry is not a dictionary");
  const auto size = v.find_int("size");
  const auto mtime = v.find_int("mtime");
  if (!size && !mtime && v.size() == 0) return std::optional<FileStat>{};
  if (!size || !mtime || v.size() != 2 || *size < 0) {
    return fail("resume data: a file entry needs a non-negative size and an mtime");
  }
  return std::optional<FileStat>{FileStat{*size, *mtime}};
}

Result<std::vector<std::optional<FileStat>>> decode_files(bencode::Value list) {
  std::vector<std::optional<FileStat>> out;
  out.reserve(list.size());
  for (const bencode::Value v : list.items()) {
    auto file = decode_file(v);
    if (!file) return fail(file.error());
    out.push_back(*file);
  }
  return out;
}

Result<void> check_header(bencode::Value root) {
  if (!root.is_dict()) return fail("resume data: not a dictionary");
  if (root.find_string("file-format") != kFormat) return fail("resume data: not a btnode file");
  if (root.find_int("file-version") != kVersion) return fail("resume data: unknown version");
  return {};
}

}  // namespace

std::string encode_resume(const ResumeData& data) {
  std::string out;
  bencode::Writer w(out);
  w.begin_dict();
  w.string("file-format").string(kFormat);
  w.string("file-version").integer(kVersion);
  w.string("files").begin_list();
  for (const auto& f : data.files) {
    w.begin_dict();
    if (f) w.string("mtime").integer(f->mtime_ns).string("size").integer(f->size);
    w.end();
  }
  w.end();
  w.string("info-hash")
      .string({reinterpret_cast<const char*>(data.info_hash.data()), data.info_hash.size()});
  w.string("piece-count").integer(data.pieces.size());
  w.string("pieces").string(data.pieces.wire());
  w.end();
  return out;
}

Result<ResumeData> decode_resume(std::string_view bytes) {
  bencode::DecodeOptions options;
  options.max_depth = 4;
  options.strict_keys = true;
  auto doc = bencode::decode(bytes, options);
  if (!doc) return fail("resume data: " + doc.error().message);
  const bencode::Value root = doc->root();
  if (auto ok = check_header(root); !ok) return fail(ok.error());
  const auto hash = root.find_string("info-hash");
  const auto count = root.find_int("piece-count");
  const auto pieces = root.find_string("pieces");
  const auto files = root.find_list("files");
  if (!hash || hash->size() != 20) return fail("resume data: info-hash must be 20 bytes");
  if (!count || !pieces || !files) return fail("resume data: missing pieces or files");
  ResumeData out;
  std::memcpy(out.info_hash.data(), hash->data(), 20);
  auto bits = Bitfield::from_wire(*pieces, *count);
  if (!bits) return fail("resume data: piece bitfield does not match the piece count");
  out.pieces = std::move(*bits);
  auto stats = decode_files(*files);
  if (!stats) return fail(stats.error());
  out.files = std::move(*stats);
  return out;
}

Result<void> check_resume_matches(const ResumeData& data,
                                  const std::array<std::uint8_t, 20>& info_hash,
                                  const FileLayout& layout) {
  if (data.info_hash != info_hash) return fail("resume data: belongs to another torrent");
  if (data.pieces.size() != layout.piece_count()) return fail("resume data: wrong piece count");
  if (data.files.size() != layout.file_count()) return fail("resume data: wrong file count");
  return {};
}

Result<std::string> read_resume_file(const std::filesystem::path& path, std::size_t max_bytes) {
  auto bytes = read_small_file(path, max_bytes);
  if (!bytes) return fail("resume data: " + bytes.error().message);
  if (!*bytes) return fail("resume data: '" + path.string() + "' does not exist");
  return std::move(**bytes);
}

}  // namespace btnode::storage
