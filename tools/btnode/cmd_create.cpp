// `btnode create PATH`: hash a file or directory into a .torrent (CLI.md).
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "core/torrent_creator.h"
#include "tools/btnode/common.h"
#include "tools/btnode/progress.h"

namespace btnode::cli {
namespace {

struct CreateArgs {
  std::string source;
  std::string output;
  std::uint64_t piece_size = 0;
  std::vector<std::string> trackers;
  std::vector<std::string> web_seeds;
  bool is_private = false;
  std::string comment;
};

// BEP 3 does not demand powers of two, but every client we interoperate with
// (and our own creator) expects them; catching it here makes it a usage error.
std::string check_piece_size(const std::string& text) {
  std::uint64_t v = 0;
  try {
    v = std::stoull(text);
  } catch (const std::exception&) {
    return "piece size must be a number of bytes";
  }
  if (v == 0) return {};  // 0 = choose automatically
  bool power_of_two = (v & (v - 1)) == 0;
  if (!power_of_two || v < (16u << 10) || v > (128u << 20)) {
    return "piece size must be a power of two from 16 KiB to 128 MiB (or 0 = auto)";
  }
  return {};
}

CreateOptions to_options(const CreateArgs& args) {
  CreateOptions opts;
  opts.piece_length = static_cast<std::int64_t>(args.piece_size);
  // One tracker per tier: repeated --tracker flags are alternatives tried in
  // order (BEP 12), which is what mktorrent and libtorrent write too.
  for (const auto& url : args.trackers) opts.tracker_tiers.push_back({url});
  opts.web_seeds = args.web_seeds;
  opts.is_private = args.is_private;
  opts.comment = args.comment;
  return opts;
}

Result<void> write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return fail("cannot open '" + path.string() + "' for writing");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return fail("cannot write '" + path.string() + "'");
  return {};
}

int run_create(const CreateArgs& args, const GlobalOptions& globals) {
  double start = now_seconds();
  CreateOptions opts = to_options(args);
  ProgressLine progress("hashing", !globals.json);
  opts.hash.on_progress = progress.callback();
  auto created = create_torrent(args.source, opts);
  progress.finish();
  if (!created) return job_failed(created.error().message);
  const Metainfo& meta = created->metainfo;

  std::string out_path = args.output.empty() ? meta.name + ".torrent" : args.output;
  if (auto written = write_file(out_path, created->bytes); !written) {
    return job_failed(written.error().message);
  }
  double seconds = now_seconds() - start;
  std::string magnet = magnet_link(meta);
  spdlog::info("wrote {} ({} pieces of {}) in {:.2f} s", out_path, meta.piece_count(),
               human_size(static_cast<std::uint64_t>(meta.piece_length)), seconds);
  if (globals.json) {
    print_json_line({{"torrent", out_path},
                     {"info_hash", meta.info_hash.v1_hex()},
                     {"magnet", magnet},
                     {"name", meta.name},
                     {"total_size", meta.total_size},
                     {"piece_length", meta.piece_length},
                     {"piece_count", meta.piece_count()},
                     {"seconds", seconds}});
  } else {
    std::cout << magnet << '\n';
  }
  return kExitOk;
}

}  // namespace

void register_create(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto args = std::make_shared<CreateArgs>();
  CLI::App* cmd = app.add_subcommand("create", "Write a .torrent for a file or directory");
  cmd->add_option("PATH", args->source, "File or directory to share")->required();
  cmd->add_option("-o,--output", args->output, "Torrent file to write (default: ./<name>.torrent)");
  cmd->add_option("--piece-size", args->piece_size, "Piece size in bytes (power of two; 0 = auto)")
      ->check(CLI::Validator(check_piece_size, "BYTES", "piece size"));
  cmd->add_option("--tracker", args->trackers, "Tracker announce URL (repeatable, one per tier)");
  cmd->add_option("--web-seed", args->web_seeds, "Web seed URL, BEP 19 (repeatable)");
  cmd->add_flag("--private", args->is_private, "Set the private flag (BEP 27): no DHT/PEX");
  cmd->add_option("--comment", args->comment, "Free-text comment stored in the torrent");
  add_global_options(*cmd, globals);
  cmd->callback([args, &globals, &action] {
    action = [args, &globals] { return run_create(*args, globals); };
  });
}

}  // namespace btnode::cli
