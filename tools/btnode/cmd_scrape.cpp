// `btnode scrape URL TORRENT|MAGNET|INFOHASH... [--bind ADDR] [--tracker-ca
// FILE] [--timeout SECONDS]`: asks one tracker (http(s):// by BEP 48,
// udp:// by BEP 15) how many seeders, leechers and completed downloads it
// knows for each torrent; one line per torrent.
#include <spdlog/spdlog.h>

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <iostream>

#include "core/magnet.h"
#include "core/metainfo.h"
#include "node/http_fetcher.h"
#include "node/tracker_scraper.h"
#include "tools/btnode/common.h"

namespace btnode::cli {
namespace {

struct ScrapeArgs {
  std::string url;
  std::vector<std::string> torrents;
  std::string bind;
  std::string ca_file;
  double timeout = 60;
};

// A bare hex info-hash, a magnet link or a .torrent file.
Result<InfoHash> info_hash_of(const std::string& text) {
  if (auto h = InfoHash::from_v1_hex(text)) return *h;
  if (text.starts_with("magnet:")) {
    auto m = Magnet::parse(text);
    if (!m) return fail(m.error());
    if (!m->info_hash.v1) return fail("magnet: no BitTorrent v1 (btih) info-hash");
    return m->info_hash;
  }
  auto meta = load_torrent_file(text);
  if (!meta) return fail(meta.error());
  return meta->info_hash;
}

int run_scrape(const ScrapeArgs& args, const GlobalOptions& globals) {
  std::vector<tracker::Hash20> hashes;
  std::vector<std::string> hex;
  for (const auto& t : args.torrents) {
    auto h = info_hash_of(t);
    if (!h) return job_failed(h.error().message);
    hashes.push_back(h->wire_id());
    hex.push_back(h->v1_hex());
  }
  node::TrackerScraperOptions o;
  if (!args.bind.empty()) {
    auto b = Endpoint::from_address(args.bind, 0);
    if (!b) return job_failed("--bind " + args.bind + ": not an IP address");
    o.bind = *b;
  }
  o.ca_file = args.ca_file;
  auto limit = std::chrono::milliseconds(static_cast<std::int64_t>(args.timeout * 1000));
  o.http_timeout = limit;
  asio::io_context io;
  node::HttpFetcher http(io);
  node::TrackerScraper scraper(io, http, o);
  asio::steady_timer deadline(io, limit);
  std::optional<Result<std::vector<tracker::ScrapeEntry>>> result;
  scraper.scrape(args.url, hashes, [&](Result<std::vector<tracker::ScrapeEntry>> r) {
    result = std::move(r);
    io.stop();  // the UDP socket's receive loop would keep run() going
  });
  deadline.async_wait([&](const asio::error_code& ec) {
    if (!ec) io.stop();
  });
  if (!result) io.run();
  if (!result) return job_failed("scrape " + args.url + ": no answer within " +
                                 std::to_string(static_cast<long>(args.timeout)) + " s");
  if (!*result) return job_failed("scrape " + args.url + ": " + result->error().message);
  for (std::size_t i = 0; i < hashes.size(); ++i) {
    const tracker::ScrapeEntry* e = nullptr;
    for (const auto& entry : **result)
      if (entry.info_hash == hashes[i]) e = &entry;
    if (globals.json) {
      nlohmann::json line{{"info_hash", hex[i]}, {"tracker", args.url}, {"known", e != nullptr}};
      if (e) {
        line["seeders"] = e->complete;
        line["leechers"] = e->incomplete;
        line["downloaded"] = e->downloaded;
      }
      print_json_line(line);
    } else if (e) {
      std::cout << hex[i] << "  seeders " << e->complete << "  leechers " << e->incomplete
                << "  downloaded " << e->downloaded << std::endl;
    } else {
      std::cout << hex[i] << "  unknown to the tracker" << std::endl;
    }
  }
  return kExitOk;
}

}  // namespace

void register_scrape(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto args = std::make_shared<ScrapeArgs>();
  auto* cmd = app.add_subcommand(
      "scrape", "Ask a tracker for seeders, leechers and downloads of torrents (BEP 48 / BEP 15)");
  cmd->add_option("url", args->url, "Tracker announce URL (http://, https:// or udp://)")
      ->required();
  cmd->add_option("torrents", args->torrents, "Info-hashes (hex), magnet links or .torrent files")
      ->required();
  cmd->add_option("--bind", args->bind, "Local IP address to send from");
  cmd->add_option("--tracker-ca", args->ca_file,
                  "PEM file of CA certificates to verify https:// trackers with (default: system)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--timeout", args->timeout, "Give up after this many seconds (default 60)")
      ->check(CLI::PositiveNumber);
  add_global_options(*cmd, globals);
  cmd->callback([args, &globals, &action] {
    action = [args, &globals] { return run_scrape(*args, globals); };
  });
}

}  // namespace btnode::cli
