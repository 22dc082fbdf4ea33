#include "tools/btnode/common.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "core/magnet.h"

namespace btnode::cli {

void add_global_options(CLI::App& app, GlobalOptions& globals) {
  app.add_option("--log-level", globals.log_level, "Log verbosity on stderr")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  app.add_flag("--json", globals.json, "Machine-readable output: one JSON object per line");
}

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("btnode");
  logger->set_pattern("%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(level));
}

int job_failed(std::string_view message) {
  // Flush stdout first so partial results never interleave with the error.
  std::cout.flush();
  std::string line = "btnode: ";
  line.append(message);
  // Keep the contract of a single line even if a library message has newlines.
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::cerr << line << '\n';
  return kExitFailed;
}

void print_json_line(const nlohmann::json& object) {
  // Replace invalid UTF-8 (torrent names may be any bytes) instead of throwing.
  std::cout << object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  std::cout.flush();
}

bool stdout_is_terminal() {
  return isatty(STDOUT_FILENO) == 1;
}
bool stderr_is_terminal() {
  return isatty(STDERR_FILENO) == 1;
}

std::string human_size(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", value, kUnits[unit]);
  return buf;
}

std::vector<IndexRange> to_ranges(const std::vector<std::uint32_t>& sorted_indices) {
  std::vector<IndexRange> ranges;
  for (std::uint32_t i : sorted_indices) {
    if (!ranges.empty() && ranges.back().second + 1 == i) {
      ranges.back().second = i;
    } else {
      ranges.emplace_back(i, i);
    }
  }
  return ranges;
}

std::string format_ranges(const std::vector<IndexRange>& ranges) {
  std::string out;
  for (const auto& [first, last] : ranges) {
    if (!out.empty()) out += ", ";
    out += std::to_string(first);
    if (last != first) out += "-" + std::to_string(last);
  }
  return out;
}

nlohmann::json ranges_to_json(const std::vector<IndexRange>& ranges) {
  auto out = nlohmann::json::array();
  for (const auto& [first, last] : ranges) out.push_back({first, last});
  return out;
}

std::string magnet_link(const Metainfo& meta) {
  Magnet m;
  m.info_hash = meta.info_hash;  // a hybrid's link carries btmh too (BEP 52)
  m.display_name = meta.name;
  for (const auto& tier : meta.trackers) {
    m.trackers.insert(m.trackers.end(), tier.begin(), tier.end());
  }
  m.web_seeds = meta.web_seeds;
  return m.to_string();
}

double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace btnode::cli
