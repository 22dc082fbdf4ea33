#include "tools/btnode/transfer_job.h"

#include <spdlog/spdlog.h>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "node/asio_endpoint.h"
#include "node/session.h"
#include "node/signals.h"

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

void print_progress(const node::TorrentStats& s, bool json) {
  double progress = s.bytes_total == 0 ? 1.0 : double(s.bytes_have) / double(s.bytes_total);
  double left = double(s.bytes_total - s.bytes_have);
  double eta = s.complete ? 0.0 : (s.down_rate > 1 ? left / s.down_rate : -1.0);
  if (json) {
    print_json_line({{"progress", progress},
                     {"down_rate", s.down_rate},
                     {"up_rate", s.up_rate},
                     {"peers", s.peers},
                     {"eta", eta},
                     {"pieces", s.pieces_have},
                     {"total_pieces", s.pieces_total},
                     {"downloaded", s.downloaded},
                     {"uploaded", s.uploaded}});
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

// The state of one run: everything the callbacks need, on the io thread.
struct Job {
  asio::io_context io;
  std::unique_ptr<node::Session> session;
  node::Torrent* torrent = nullptr;
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
    if (torrent && !json) print_progress(torrent->stats(), false);
    session->stop([this] { io.stop(); });
  }

  void schedule_progress() {
    progress_timer.expires_after(std::chrono::milliseconds(static_cast<long>(interval * 1000)));
    progress_timer.async_wait([this](const asio::error_code& ec) {
      if (ec || stopping) return;
      print_progress(torrent->stats(), json);
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
  if (mode == TransferMode::seed) return;
  if (job.json) {
    auto s = job.torrent->stats();
    print_json_line(
        {{"event", "complete"}, {"downloaded", s.downloaded}, {"uploaded", s.uploaded}});
  }
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
  add_network_options(command, args.net);
}

int run_transfer(const TransferArgs& args, const GlobalOptions& globals, TransferMode mode) {
  auto meta = load_torrent_file(args.torrent);
  if (!meta) return job_failed(meta.error().message);
  auto peers = resolve_peers(args.peers);
  if (!peers) return job_failed(peers.error().message);
  auto options = session_options(args.net, args.encryption);
  if (!options) return job_failed(options.error().message);

  block_termination_signals(true);
  Job job;
  job.json = globals.json;
  job.interval = args.progress_interval;
  job.session = std::make_unique<node::Session>(job.io, std::move(*options));
  if (auto listening = job.session->listen(); !listening)
    return job_failed(listening.error().message);

  node::TorrentOptions topt;
  topt.download_dir = args.dir;
  topt.sequential = args.sequential;
  topt.resume_path = resume_path(args, *meta);
  std::error_code ec;
  std::filesystem::create_directories(topt.resume_path.parent_path(), ec);
  job.torrent = &job.session->add_torrent(std::move(*meta), topt, callbacks(job, args, mode));
  if (auto started = job.torrent->start(); !started) return job_failed(started.error().message);
  for (const auto& peer : *peers) job.torrent->add_peer(peer);

  job.signals.emplace(job.io, [&job](int) { job.stop(kExitOk); });
  job.schedule_progress();
  block_termination_signals(false);
  job.io.run();
  block_termination_signals(true);
  if (!job.json && stderr_is_terminal()) std::fprintf(stderr, "\n");
  return job.exit_code;
}

}  // namespace btnode::cli
