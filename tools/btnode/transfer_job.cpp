#include "tools/btnode/transfer_job.h"

#include <spdlog/spdlog.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "core/magnet.h"
#include "node/asio_endpoint.h"
#include "node/dht_announcer.h"
#include "node/dht_service.h"
#include "node/lsd_service.h"
#include "node/http_fetcher.h"
#include "node/metadata_fetch.h"
#include "node/session.h"
#include "node/signals.h"
#include "node/tracker_announcer.h"

namespace btnode::cli {
namespace {

Result<std::vector<Endpoint>> resolve_peers(const std::vector<std::string>& names) {
  std::vector<Endpoint> out;
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  for (const auto& text : names) {
    auto hp = HostPort::parse(text);
    if (!hp) return fail("--peer " + text + ": " + hp.error().message);
    if (auto literal = hp->endpoint()) {
      out.push_back(*literal);
      continue;
    }
    asio::error_code ec;
    auto results = resolver.resolve(hp->host, std::to_string(hp->port), ec);
    if (ec || results.empty()) return fail("--peer " + text + ": cannot resolve: " + ec.message());
    for (const auto& r : results) out.push_back(node::from_asio(r.endpoint().address(), hp->port));
  }
  return out;
}

// --encryption: `disable` plaintext only; `prefer` (default) accepts MSE and
// plain handshakes and dials with MSE (offering RC4 and plaintext), falling
// back to a plain handshake when the peer does not answer MSE (the Torrent
// redials at once); `require` dials with MSE/RC4 and refuses plain handshakes.
void apply_encryption(const std::string& mode, node::PeerConnectionOptions& o) {
  if (mode == "disable") {
    o.incoming_mse = o.outgoing_mse = wire::MsePolicy::disable;
  } else if (mode == "require") {
    o.incoming_mse = o.outgoing_mse = wire::MsePolicy::require;
  } else {
    o.incoming_mse = o.outgoing_mse = wire::MsePolicy::prefer;
  }
}

Result<node::SessionOptions> session_options(const NetworkOptions& net,
                                             const std::string& encryption) {
  node::SessionOptions o;
  apply_encryption(encryption, o.connection);
  for (const auto& text : net.bind) {
    auto address = Endpoint::from_address(text, 0);
    if (!address) return fail("--bind " + text + ": not an IP address");
    o.bind.push_back(*address);
  }
  o.listen_port = net.listen;
  return o;
}

// Resume data lives in --state-dir when given, else beside the download, so
// `get -o DIR` run twice resumes without any other flag.
std::filesystem::path resume_path(const TransferArgs& args, const Metainfo& meta) {
  std::string file = meta.info_hash.v1_hex() + ".resume";
  if (!args.net.state_dir.empty())
    return std::filesystem::path(args.net.state_dir) / "resume" / file;
  return std::filesystem::path(args.dir) / ("." + file);
}

// What the discovery sources found, shown with every progress line.
struct DiscoveryCounters {
  std::size_t dht_nodes_asked = 0;
  std::size_t dht_peers = 0;
  std::uint64_t pex_peers = 0;
};

void print_progress(const node::TorrentStats& s, const DiscoveryCounters& d, bool json) {
  double progress = s.bytes_total == 0 ? 1.0 : double(s.bytes_have) / double(s.bytes_total);
  double left = double(s.bytes_total - s.bytes_have);
  double eta = s.complete ? 0.0 : (s.down_rate > 1 ? left / s.down_rate : -1.0);
  if (json) {
    print_json_line({{"phase", "download"},
                     {"progress", progress},
                     {"down_rate", s.down_rate},
                     {"up_rate", s.up_rate},
                     {"peers", s.peers},
                     {"eta", eta},
                     {"pieces", s.pieces_have},
                     {"total_pieces", s.pieces_total},
                     {"downloaded", s.downloaded},
                     {"uploaded", s.uploaded},
                     {"dht_peers", d.dht_peers},
                     {"pex_peers", d.pex_peers}});
    return;
  }
  if (!stderr_is_terminal()) return;
  constexpr int kWidth = 30;
  int filled = static_cast<int>(progress * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::string eta_text = eta < 0 ? "--" : std::to_string(static_cast<long long>(eta)) + " s";
  std::fprintf(stderr, "\r\033[K[%s] %5.1f%%  down %s/s  up %s/s  peers %zu  eta %s", bar.c_str(),
               progress * 100, human_size(std::uint64_t(s.down_rate)).c_str(),
               human_size(std::uint64_t(s.up_rate)).c_str(), s.peers, eta_text.c_str());
  std::fflush(stderr);
}

// Before the metadata of a magnet link is in: "finding peers: n nodes
// asked, m peers" until a peer tells the metadata size, then "metadata k/n".
void print_fetch_progress(const node::MetadataFetchStats& f, const DiscoveryCounters& d,
                          bool json) {
  const bool finding = f.pieces_total == 0;
  if (json) {
    if (finding) {
      print_json_line({{"phase", "finding_peers"},
                       {"nodes_asked", d.dht_nodes_asked},
                       {"peers", f.peers_known},
                       {"connected", f.connected}});
    } else {
      print_json_line({{"phase", "metadata"},
                       {"pieces", f.pieces_have},
                       {"total_pieces", f.pieces_total},
                       {"peers", f.with_metadata}});
    }
    return;
  }
  if (!stderr_is_terminal()) return;
  if (finding) {
    std::fprintf(stderr, "\r\033[Kfinding peers: %zu nodes asked, %zu peers (%zu connected)",
                 d.dht_nodes_asked, f.peers_known, f.connected);
  } else {
    std::fprintf(stderr, "\r\033[Kmetadata %u/%u from %zu peers", f.pieces_have, f.pieces_total,
                 f.with_metadata);
  }
  std::fflush(stderr);
}

// The state of one run: everything the callbacks need, on the io thread.
struct Job {
  asio::io_context io;
  std::unique_ptr<node::Session> session;
  std::unique_ptr<node::DhtService> dht;
  std::unique_ptr<node::DhtAnnouncer> announcer;
  std::unique_ptr<node::MetadataFetch> fetch;  // a magnet link before its metadata
  std::unique_ptr<node::LsdService> lsd;
  node::Torrent* torrent = nullptr;
  std::unique_ptr<node::HttpFetcher> http;
  std::unique_ptr<node::TrackerAnnouncer> trackers;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  asio::steady_timer progress_timer{io};
  asio::steady_timer seed_timer{io};
  std::optional<node::TerminationSignals> signals;
  int exit_code = kExitOk;
  bool stopping = false;
  bool json = false;
  double interval = 1;

  void stop(int code) {
    if (stopping) return;
    stopping = true;
    exit_code = code;
    progress_timer.cancel();
    seed_timer.cancel();
    if (signals) signals->cancel();
    if (torrent && !json) print_progress(torrent->stats(), discovery(), false);
    if (announcer) announcer->stop();
    if (fetch) fetch->stop();
    if (lsd) lsd->stop();
    auto stop_session = [this] {
      session->stop([this] {
        if (dht) dht->stop();
        io.stop();
      });
    };
    // `stopped` to the trackers first (bounded by their stop timeout).
    if (trackers) return trackers->stop(stop_session);
    stop_session();
  }

  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }

  DiscoveryCounters discovery() const {
    DiscoveryCounters d;
    if (announcer) {
      auto a = announcer->stats();
      d.dht_nodes_asked = a.nodes_asked;
      d.dht_peers = a.peers;
    }
    if (torrent) d.pex_peers = torrent->extension_stats().pex_peers_learned;
    return d;
  }

  // A peer from any source: to the metadata fetch until the torrent exists.
  void add_peer(const Endpoint& peer) {
    if (torrent) {
      torrent->add_peer(peer);
    } else if (fetch) {
      fetch->add_peer(peer);
    }
  }

  void schedule_progress() {
    progress_timer.expires_after(std::chrono::milliseconds(static_cast<long>(interval * 1000)));
    progress_timer.async_wait([this](const asio::error_code& ec) {
      if (ec || stopping) return;
      if (torrent) {
        print_progress(torrent->stats(), discovery(), json);
      } else if (fetch) {
        print_fetch_progress(fetch->stats(), discovery(), json);
      }
      schedule_progress();
    });
  }
};

void announce_ready(Job& job, TransferMode mode, const storage::CheckFinished& done) {
  const auto& meta = job.torrent->metainfo();
  std::string what = mode == TransferMode::seed ? "seeding" : "checked";
  if (mode == TransferMode::seed && done.have < meta.piece_count())
    spdlog::warn("content incomplete: serving {}/{} pieces", done.have, meta.piece_count());
  if (job.json) {
    print_json_line({{"event", what},
                     {"port", job.session->listen_port()},
                     {"pieces", done.have},
                     {"total_pieces", meta.piece_count()}});
  } else if (mode == TransferMode::seed) {
    std::cout << "seeding '" << meta.name << "' (" << done.have << '/' << meta.piece_count()
              << " pieces) on port " << job.session->listen_port() << std::endl;
  }
}

void on_complete(Job& job, const TransferArgs& args, TransferMode mode) {
  if (job.trackers) job.trackers->on_complete();
  if (mode == TransferMode::seed) return;
  if (job.json) {
    auto s = job.torrent->stats();
    print_json_line({{"event", "complete"},
                     {"downloaded", s.downloaded},
                     {"uploaded", s.uploaded},
                     {"elapsed", job.elapsed()},
                     {"pex_peers", job.discovery().pex_peers}});
  }
  if (job.announcer) job.announcer->set_seed(true);
  if (args.seed_time <= 0) return job.stop(kExitOk);
  job.seed_timer.expires_after(std::chrono::milliseconds(static_cast<long>(args.seed_time * 1000)));
  job.seed_timer.async_wait([&job](const asio::error_code& ec) {
    if (!ec) job.stop(kExitOk);
  });
}

node::TorrentCallbacks callbacks(Job& job, const TransferArgs& args, TransferMode mode) {
  node::TorrentCallbacks cb;
  cb.on_checked = [&job, mode](const storage::CheckFinished& done) {
    announce_ready(job, mode, done);
    if (job.trackers) job.trackers->start();
  };
  cb.on_complete = [&job, &args, mode] { on_complete(job, args, mode); };
  cb.on_error = [&job](const std::string& message) {
    std::fprintf(stderr, "\nbtnode: %s\n", message.c_str());
    job.stop(kExitFailed);
  };
  return cb;
}

// SIGINT/SIGTERM may come twice (GNU timeout forwards a signal to its child
// and then to its process group). Asio restores the default action when the
// signal_set goes away, so a late second signal would kill us during a clean
// exit. Threads inherit the mask: blocking the signals before the disk pool
// starts, and in the main thread again once the loop is done, leaves the
// io thread's run() as the only place they are delivered.
void block_termination_signals(bool block) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, nullptr);
}

}  // namespace

void add_transfer_options(CLI::App& command, TransferArgs& args) {
  command.add_option("--peer", args.peers, "Connect to this peer HOST:PORT, repeatable");
  command
      .add_option("--progress-interval", args.progress_interval,
                  "Seconds between progress lines (default 1)")
      ->check(CLI::PositiveNumber);
  command
      .add_option("--encryption", args.encryption,
                  "MSE/PE: prefer (try encrypted, fall back to plain), require, disable")
      ->check(CLI::IsMember({"prefer", "require", "disable"}));
  command.add_flag("--no-dht", args.no_dht, "Do not look for peers on (or announce to) the DHT");
  command.add_flag("--no-pex", args.no_pex, "No peer exchange (ut_pex)");
  command.add_flag("--no-lsd", args.no_lsd, "No local service discovery (BEP 14 multicast)");
  command.add_option("--tracker", args.trackers,
                     "Also announce to this tracker URL (http, https, udp), repeatable");
  command.add_flag("--no-trackers", args.no_trackers, "Do not announce to trackers");
  command
      .add_option("--tracker-ca", args.tracker_ca,
                  "PEM file of CA certificates to verify https:// trackers with (default: system)")
      ->check(CLI::ExistingFile);
  add_network_options(command, args.net);
}

namespace {

// What `get` was given: a .torrent, or a magnet link / bare info-hash whose
// metadata must be fetched from peers first.
struct Source {
  std::optional<Metainfo> meta;
  std::optional<Magnet> magnet;
};

Result<Source> load_source(const std::string& text) {
  Source source;
  auto as_hash = InfoHash::from_v1_hex(text);
  if (text.starts_with("magnet:") || as_hash) {
    Magnet magnet;
    if (as_hash) {
      magnet.info_hash = *as_hash;
    } else {
      auto parsed = Magnet::parse(text);
      if (!parsed) return fail(parsed.error());
      magnet = std::move(*parsed);
    }
    if (!magnet.info_hash.v1)
      return fail("magnet: only BitTorrent v1 (btih) and hybrid links are supported");
    source.magnet = std::move(magnet);
    return source;
  }
  auto meta = load_torrent_file(text);
  if (!meta) return fail(meta.error());
  source.meta = std::move(*meta);
  return source;
}

// The DHT on the session's port (CLI.md: one port for TCP and UDP), or on any
// port if that one is taken for UDP.
Result<std::unique_ptr<node::DhtService>> start_dht(Job& job, const TransferArgs& args) {
  auto options = dht_service_options(args.net);
  if (!options) return fail(options.error());
  options->port = job.session->listen_port();
  auto dht = std::make_unique<node::DhtService>(job.io, *options);
  if (auto started = dht->start(); !started) {
    spdlog::warn("DHT on UDP port {}: {}; trying another port", options->port,
                 started.error().message);
    options->port = 0;
    dht = std::make_unique<node::DhtService>(job.io, std::move(*options));
    if (auto again = dht->start(); !again) return fail("DHT: " + again.error().message);
  }
  return dht;
}

Result<void> start_torrent(Job& job, const TransferArgs& args, TransferMode mode, Metainfo meta) {
  node::TorrentOptions topt;
  topt.download_dir = args.dir;
  topt.sequential = args.sequential;
  topt.preallocate = args.preallocate;
  topt.resume_path = resume_path(args, meta);
  topt.extensions.pex = !args.no_pex;
  std::error_code ec;
  std::filesystem::create_directories(topt.resume_path.parent_path(), ec);
  job.torrent = &job.session->add_torrent(std::move(meta), topt, callbacks(job, args, mode));
  return job.torrent->start();
}

void start_metadata_fetch(Job& job, const TransferArgs& args, TransferMode mode,
                          const Magnet& magnet) {
  node::MetadataFetchOptions fopt;
  fopt.listen_port = job.session->listen_port();
  auto info_hash = magnet.info_hash;
  auto wire_hash = info_hash.wire_id();
  auto on_metadata = [&job, &args, mode, wire_hash](
                         Metainfo meta, std::vector<Endpoint> peers,
                         std::vector<std::shared_ptr<node::PeerConnection>> connections) {
    job.session->set_metadata_handler(wire_hash, {});
    if (job.json) {
      print_json_line({{"event", "metadata"},
                       {"name", meta.name},
                       {"info_hash", meta.info_hash.v1_hex()},
                       {"size", meta.total_size},
                       {"pieces", meta.piece_count()},
                       {"elapsed", job.elapsed()}});
    } else if (stderr_is_terminal()) {
      std::fprintf(stderr, "\r\033[Kmetadata: '%s', %s in %lld pieces\n", meta.name.c_str(),
                   human_size(static_cast<std::uint64_t>(meta.total_size)).c_str(),
                   static_cast<long long>(meta.piece_count()));
    }
    // The fetch is done with; it goes once this callback has returned.
    asio::post(job.io, [&job] { job.fetch.reset(); });
    if (auto started = start_torrent(job, args, mode, std::move(meta)); !started) {
      for (auto& c : connections) c->detach_and_close();
      std::fprintf(stderr, "btnode: %s\n", started.error().message.c_str());
      return job.stop(kExitFailed);
    }
    // The download goes on over the metadata phase's connections (no redial).
    for (auto& c : connections) job.torrent->adopt(std::move(c));
    for (const auto& peer : peers) job.torrent->add_peer(peer);
  };
  auto on_error = [&job](const std::string& message) {
    std::fprintf(stderr, "btnode: %s\n", message.c_str());
    job.stop(kExitFailed);
  };
  job.fetch = std::make_unique<node::MetadataFetch>(job.io, info_hash,
                                                    job.session->connection_options(), fopt,
                                                    std::move(on_metadata), std::move(on_error));
  job.session->set_metadata_handler(
      wire_hash, [fetch = job.fetch.get()](node::PeerConnection& c) { return fetch->attach(c); });
  job.fetch->start();
}

// BEP 14 on the LAN (IPv4 and IPv6 groups). Failing to join the groups (no
// multicast on the interface) only costs this source of peers.
void start_lsd(Job& job, const TransferArgs& args, const NodeId& info_hash) {
  node::LsdServiceOptions o;
  for (const auto& text : args.net.bind) {
    if (auto address = Endpoint::from_address(text, 0)) o.bind.push_back(*address);
  }
  o.listen_port = job.session->listen_port();
  job.lsd = std::make_unique<node::LsdService>(
      job.io, o, [&job](const pex::LsdHash&, const Endpoint& peer) { job.add_peer(peer); });
  if (auto started = job.lsd->start(); !started) {
    spdlog::info("{}", started.error().message);
    job.lsd.reset();
    return;
  }
  job.lsd->add_torrent(info_hash.bytes);
}

// The torrent's tiers (announce-list, else announce) or the magnet's tr=
// (one tier each), then one tier per --tracker; none with --no-trackers.
std::vector<std::vector<std::string>> tracker_tiers(const TransferArgs& args, const Source& source) {
  if (args.no_trackers) return {};
  std::vector<std::vector<std::string>> tiers;
  if (source.meta) tiers = source.meta->trackers;
  if (source.magnet)
    for (const auto& url : source.magnet->trackers) tiers.push_back({url});
  for (const auto& url : args.trackers) tiers.push_back({url});
  return tiers;
}

// Peers from trackers go wherever Job::add_peer sends them (the metadata
// fetch of a magnet link, then the torrent).
void make_trackers(Job& job, const TransferArgs& args, const InfoHash& info_hash,
                   std::vector<std::vector<std::string>> tiers) {
  if (tiers.empty()) return;
  node::TrackerAnnouncerOptions o;
  o.tiers = std::move(tiers);
  o.info_hash = info_hash.wire_id();
  o.peer_id = job.session->peer_id();
  o.port = job.session->listen_port();
  o.allow_local = allows_local(args.net);
  o.ca_file = args.tracker_ca;
  if (!args.net.bind.empty()) o.bind = Endpoint::from_address(args.net.bind.front(), 0);
  o.counters = [&job] {
    if (!job.torrent) return node::TransferCounters{0, 0, 1};  // metadata unknown: not a seed
    auto s = job.torrent->stats();
    return node::TransferCounters{s.uploaded, s.downloaded, s.bytes_total - s.bytes_have};
  };
  o.on_peers = [&job](const std::vector<Endpoint>& peers) {
    for (const auto& p : peers) job.add_peer(p);
  };
  job.http = std::make_unique<node::HttpFetcher>(job.io);
  job.trackers = std::make_unique<node::TrackerAnnouncer>(job.io, *job.http, std::move(o));
}

}  // namespace

int run_transfer(const TransferArgs& args, const GlobalOptions& globals, TransferMode mode) {
  auto source = load_source(args.torrent);
  if (!source) return job_failed(source.error().message);
  if (source->magnet && mode == TransferMode::seed)
    return job_failed("seed needs a .torrent file, not a magnet link");
  auto peers = resolve_peers(args.peers);
  if (!peers) return job_failed(peers.error().message);
  if (source->magnet) {
    const auto& m = *source->magnet;
    peers->insert(peers->end(), m.peers.begin(), m.peers.end());  // x.pe
    if (args.no_dht && args.no_lsd && args.no_pex && peers->empty() && m.peer_hosts.empty() &&
        (args.no_trackers || (m.trackers.empty() && args.trackers.empty())))
      return job_failed("magnet link with no peers and every discovery source off");
    std::vector<std::string> hosts;
    for (const auto& hp : m.peer_hosts) hosts.push_back(hp.host + ":" + std::to_string(hp.port));
    if (auto named = resolve_peers(hosts)) {
      peers->insert(peers->end(), named->begin(), named->end());
    } else {
      spdlog::warn("{}", named.error().message);
    }
  }
  auto options = session_options(args.net, args.encryption);
  if (!options) return job_failed(options.error().message);

  block_termination_signals(true);
  Job job;
  job.json = globals.json;
  job.interval = args.progress_interval;
  job.session = std::make_unique<node::Session>(job.io, std::move(*options));
  if (auto listening = job.session->listen(); !listening)
    return job_failed(listening.error().message);

  auto tiers = tracker_tiers(args, *source);
  auto info_hash = source->meta ? source->meta->info_hash : source->magnet->info_hash;
  make_trackers(job, args, info_hash, std::move(tiers));
  NodeId dht_target;
  if (source->meta) {
    dht_target = source->meta->info_hash.dht_target();
    if (source->meta->is_private && !args.no_dht)
      spdlog::info("private torrent: not using the DHT (BEP 27)");
    if (auto started = start_torrent(job, args, mode, std::move(*source->meta)); !started)
      return job_failed(started.error().message);
  } else {
    dht_target = source->magnet->info_hash.dht_target();
    start_metadata_fetch(job, args, mode, *source->magnet);
    if (job.trackers) job.trackers->start();  // no content to check first
  }
  for (const auto& peer : *peers) job.add_peer(peer);

  const bool is_private = job.torrent && job.torrent->metainfo().is_private;
  if (!args.no_dht && !is_private) {
    auto dht = start_dht(job, args);
    if (!dht) return job_failed(dht.error().message);
    job.dht = std::move(*dht);
    node::DhtAnnouncerOptions aopt;
    aopt.port = job.session->listen_port();
    aopt.seed = mode == TransferMode::seed;
    job.announcer = std::make_unique<node::DhtAnnouncer>(
        job.io, *job.dht, dht_target, aopt, [&job](const Endpoint& peer) { job.add_peer(peer); },
        [&job] {
          if (job.torrent) return !job.torrent->complete() && job.torrent->stats().peers < 8;
          return true;  // still fetching the metadata
        });
    job.announcer->start();
  }

  if (!args.no_lsd && !is_private) start_lsd(job, args, dht_target);

  job.signals.emplace(job.io, [&job](int) { job.stop(kExitOk); });
  if (job.fetch) print_fetch_progress(job.fetch->stats(), job.discovery(), job.json);
  job.schedule_progress();
  block_termination_signals(false);
  job.io.run();
  block_termination_signals(true);
  if (!job.json && stderr_is_terminal()) std::fprintf(stderr, "\n");
  return job.exit_code;
}

}  // namespace btnode::cli
