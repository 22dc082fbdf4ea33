// libFuzzer target for metainfo parsing (BEP 3/12/19/27/47/52-hybrid).
//
// Every input goes through parse_metainfo and parse_info_dict. Whatever parses
// must satisfy the invariants the rest of btnode relies on: sanitised paths
// (never "..", never absolute), consistent offsets and sizes, a piece count
// that covers the total size, and an info-hash over exactly info_bytes, which
// must themselves parse to the same torrent (that is how ut_metadata serves them).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/metainfo.h"
#include "core/path_sanitize.h"

namespace {

using namespace btnode;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "metainfo_fuzz: invariant failed: %s\n", what);
    std::abort();
  }
}

void check_file(const Metainfo& m, const FileEntry& f, std::int64_t expected_offset) {
  check(f.size >= 0 && f.offset == expected_offset, "offsets are running sums");
  check(!f.path.empty(), "path not empty");
  for (const auto& c : f.path) check(static_cast<bool>(check_path_component(c)), "component sane");
  check(f.relative_path == m.name || f.relative_path.starts_with(m.name + "/"),
        "under the torrent name");
  check(f.relative_path.size() <= kMaxRelativePathBytes, "path length bounded");
  // Every '/'-separated part of the path we would create is a sane component.
  std::string_view rest = f.relative_path;
  for (std::size_t i = 0; i <= kMaxRelativePathBytes && !rest.empty(); ++i) {
    const std::size_t slash = rest.find('/');
    check(static_cast<bool>(check_path_component(rest.substr(0, slash))), "joined part sane");
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  }
  if (f.symlink()) {
    check(f.size == 0, "symlinks are empty");
    check(static_cast<bool>(sanitize_relative_path(f.symlink_path)), "symlink target sane");
  }
}

void check_metainfo(const Metainfo& m, const MetainfoLimits& limits) {
  check(static_cast<bool>(check_path_component(m.name)), "name sane");
  check(m.piece_length >= limits.min_piece_length && m.piece_length <= limits.max_piece_length,
        "piece length in range");
  check((m.piece_length & (m.piece_length - 1)) == 0, "piece length power of two");
  check(!m.files.empty() && m.total_size > 0 && m.total_size <= limits.max_total_size,
        "total size in range");
  check(static_cast<std::int64_t>(m.files.size()) <= limits.max_files, "file count bounded");
  std::int64_t offset = 0;
  for (const auto& f : m.files) {
    check_file(m, f, offset);
    offset += f.size;
  }
  check(offset == m.total_size, "sizes add up");
  check(m.piece_count() == (m.total_size + m.piece_length - 1) / m.piece_length, "piece count");
  std::int64_t sum = 0;
  for (std::int64_t i = 0; i < m.piece_count(); ++i) sum += m.piece_size(i);
  check(sum == m.total_size, "piece sizes add up");
  check(m.info_hash.v1 == sha1(m.info_bytes), "v1 hash over info bytes");
  check(m.hybrid == m.info_hash.v2.has_value(), "v2 hash only for hybrids");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  MetainfoLimits limits;
  limits.max_files = 10'000;  // keep each run fast; the checks are the same
  if (auto m = parse_metainfo(input, limits)) {
    check_metainfo(*m, limits);
    auto again = parse_info_dict(m->info_bytes, limits);
    check(static_cast<bool>(again), "info bytes parse on their own");
    check(again->info_hash == m->info_hash && again->files.size() == m->files.size() &&
              again->name == m->name && again->piece_hashes == m->piece_hashes,
          "info dict parses to the same torrent");
  } else {
    check(m.error().message.starts_with("metainfo: "), "errors name their origin");
  }
  if (auto m = parse_info_dict(input, limits)) {
    check_metainfo(*m, limits);
    check(m->info_bytes == input, "info bytes are the input");
  }
  return 0;
}
