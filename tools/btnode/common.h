// Shared plumbing for the btnode subcommands: global flags, logging, exit
// codes and the small output helpers every command needs.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/metainfo.h"

namespace btnode::cli {

// Exit status contract (CLI.md): scripts depend on these values.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

struct GlobalOptions {
  std::string log_level = "warn";
  bool json = false;
};

// A parsed subcommand stores what to run here; main() runs it after parsing
// so that global flags given after the subcommand are already applied.
using Action = std::function<int()>;

// Every command accepts --log-level and --json anywhere on the line, so the
// flags are registered on the main app and on each subcommand.
void add_global_options(CLI::App& app, GlobalOptions& globals);

void register_create(CLI::App& app, GlobalOptions& globals, Action& action);
void register_info(CLI::App& app, GlobalOptions& globals, Action& action);
void register_verify(CLI::App& app, GlobalOptions& globals, Action& action);
void register_bootstrap(CLI::App& app, GlobalOptions& globals, Action& action);
void register_dht(CLI::App& app, GlobalOptions& globals, Action& action);
void register_get(CLI::App& app, GlobalOptions& globals, Action& action);
void register_seed(CLI::App& app, GlobalOptions& globals, Action& action);
void register_tracker(CLI::App& app, GlobalOptions& globals, Action& action);
void register_scrape(CLI::App& app, GlobalOptions& globals, Action& action);

// spdlog to stderr: stdout is reserved for results (and --json lines).
void setup_logging(const std::string& level);

// Prints "btnode: <message>" on one line to stderr and returns kExitFailed.
int job_failed(std::string_view message);

// One JSON object per line on stdout (CLI.md).
void print_json_line(const nlohmann::json& object);

bool stdout_is_terminal();
bool stderr_is_terminal();

// "1.5 MiB"-style size for people; exact byte counts go to --json.
std::string human_size(std::uint64_t bytes);

// Closed index ranges [first, last], e.g. bad pieces 3..5 and 9.
using IndexRange = std::pair<std::uint32_t, std::uint32_t>;
std::vector<IndexRange> to_ranges(const std::vector<std::uint32_t>& sorted_indices);
// "3-5, 9"
std::string format_ranges(const std::vector<IndexRange>& ranges);
nlohmann::json ranges_to_json(const std::vector<IndexRange>& ranges);

// The v1 magnet link of a torrent: info-hash, name, trackers, web seeds.
std::string magnet_link(const Metainfo& meta);

// Monotonic seconds since an arbitrary point, for the "seconds" fields.
double now_seconds();

}  // namespace btnode::cli
