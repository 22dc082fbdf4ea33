// `btnode verify TORRENT [PATH]`: hash-check content on disk (CLI.md).
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "storage/content_verify.h"
#include "tools/btnode/common.h"
#include "tools/btnode/progress.h"

namespace btnode::cli {
namespace {

struct VerifyArgs {
  std::string torrent;
  std::string content_dir;
};

// Default PATH (CLI.md): the directory the .torrent file is in.
std::filesystem::path content_dir_for(const VerifyArgs& args) {
  if (!args.content_dir.empty()) return args.content_dir;
  std::filesystem::path parent = std::filesystem::path(args.torrent).parent_path();
  return parent.empty() ? std::filesystem::path(".") : parent;
}

std::vector<IndexRange> to_index_ranges(const std::vector<PieceRange>& ranges) {
  std::vector<IndexRange> out;
  out.reserve(ranges.size());
  for (const auto& r : ranges) {
    out.emplace_back(static_cast<std::uint32_t>(r.first), static_cast<std::uint32_t>(r.last));
  }
  return out;
}

void print_human(const ContentCheck& check) {
  std::cout << "pieces valid: " << check.valid_pieces << '/' << check.total_pieces << '\n';
  if (!check.bad.empty()) {
    std::cout << "bad pieces: " << format_ranges(to_index_ranges(check.bad)) << '\n';
  }
  if (!check.missing.empty()) {
    std::cout << "missing pieces: " << format_ranges(to_index_ranges(check.missing)) << '\n';
  }
  // Per-file reasons tell the user what to fix; cap them for huge torrents.
  constexpr std::size_t kMaxProblems = 10;
  for (std::size_t i = 0; i < check.problems.size() && i < kMaxProblems; ++i) {
    std::cout << "  " << check.problems[i] << '\n';
  }
  if (check.problems.size() > kMaxProblems) {
    std::cout << "  ... and " << check.problems.size() - kMaxProblems << " more files\n";
  }
}

void print_json(const ContentCheck& check, double seconds) {
  print_json_line({{"valid", check.valid_pieces},
                   {"total", check.total_pieces},
                   {"bad", ranges_to_json(to_index_ranges(check.bad))},
                   {"missing", ranges_to_json(to_index_ranges(check.missing))},
                   {"problems", check.problems},
                   {"seconds", seconds}});
}

int run_verify(const VerifyArgs& args, const GlobalOptions& globals) {
  double start = now_seconds();
  auto meta = load_torrent_file(args.torrent);
  if (!meta) return job_failed(meta.error().message);
  std::filesystem::path dir = content_dir_for(args);
  spdlog::debug("verifying '{}' against content in '{}'", meta->name, dir.string());

  ProgressLine progress("verifying", !globals.json);
  storage::VerifyOptions options;
  options.on_progress = progress.callback();
  auto check = storage::verify_on_disk(*meta, dir, options);
  progress.finish();
  if (!check) return job_failed(check.error().message);
  double seconds = now_seconds() - start;

  if (globals.json) {
    print_json(*check, seconds);
  } else {
    print_human(*check);
  }
  if (check->complete()) return kExitOk;
  return job_failed(std::to_string(check->total_pieces - check->valid_pieces) + " of " +
                    std::to_string(check->total_pieces) + " pieces are bad or missing");
}

}  // namespace

void register_verify(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand("verify", "Hash-check content on disk against a torrent");
  cmd->add_option("TORRENT", args->torrent, ".torrent file")->required();
  cmd->add_option("PATH", args->content_dir,
                  "Directory holding the content (default: the torrent's directory)");
  add_global_options(*cmd, globals);
  cmd->callback([args, &globals, &action] {
    action = [args, &globals] { return run_verify(*args, globals); };
  });
}

}  // namespace btnode::cli
