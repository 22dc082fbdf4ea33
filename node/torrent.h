// Torrent: the one owner of a torrent's state on the network thread
// (ARCHITECTURE.md): its storage, the pieces we have, the blocks we are
// downloading (DownloadQueue), its peers and their requests, and a simple
// choker. Everything here runs on the io_context's thread; storage jobs
// report back through asio::post.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/endpoint.h"
#include "core/metainfo.h"
#include "node/download_queue.h"
#include "node/peer_connection.h"
#include "storage/torrent_storage.h"
#include "storage/worker_pool.h"

namespace btnode::node {

struct TorrentOptions {
  std::filesystem::path download_dir;
  std::filesystem::path resume_path;  // empty: no resume data
  std::size_t max_peers = 64;
  // Our outstanding requests per peer (blocks). 256 x 16 KiB = 4 MiB in
  // flight covers 400 MB/s at 10 ms; PeerProtocol caps it at the peer's reqq.
  std::uint32_t request_queue = 256;
  // The requests we queue from a peer (our advertised reqq).
  std::uint32_t max_peer_requests = 500;
  std::size_t unchoke_slots = 16;
  std::chrono::seconds reconnect_min{1};
  std::chrono::seconds reconnect_max{30};
  std::chrono::seconds resume_interval{30};
  std::uint16_t listen_port = 0;  // told to peers in the extended handshake
};

struct TorrentStats {
  std::int64_t pieces_have = 0;
  std::int64_t pieces_total = 0;
  std::uint64_t bytes_have = 0;
  std::uint64_t bytes_total = 0;
  std::uint64_t downloaded = 0;  // payload bytes received
  std::uint64_t uploaded = 0;    // payload bytes sent
  double down_rate = 0;          // bytes/s, smoothed
  double up_rate = 0;
  std::size_t peers = 0;
  bool checking = true;
  bool complete = false;
};

struct TorrentCallbacks {
  std::function<void(const storage::CheckFinished&)> on_checked;
  std::function<void()> on_complete;                 // every piece verified on disk
  std::function<void(const std::string&)> on_error;  // the torrent stopped
};

class Torrent : public PeerConnectionHandler {
 public:
  Torrent(asio::io_context& io, storage::WorkerPool& pool, Metainfo meta, TorrentOptions options,
          PeerConnectionOptions connection, TorrentCallbacks callbacks);
  ~Torrent() override;
  Torrent(const Torrent&) = delete;
  Torrent& operator=(const Torrent&) = delete;

  // Opens the files and starts the check (resume data, then hashing).
  Result<void> start();
  // Dials `peer` once checked, and again after it drops while we still
  // want pieces (with backoff).
  void add_peer(const Endpoint& peer);
  // For a connection whose handshake named this torrent.
  std::optional<PeerAttach> attach(PeerConnection& peer);
  // Closes every peer and saves resume data; `done` runs when it is written.
  void stop(std::function<void()> done);

  const wire::WireHash& info_hash() const { return info_hash_; }
  const Metainfo& metainfo() const { return meta_; }
  TorrentStats stats() const;
  bool complete() const { return queue_.remaining_pieces() == 0 && !checking_; }

  // PeerConnectionHandler
  void on_peer_attached(PeerConnection& peer) override;
  void on_peer_events(PeerConnection& peer, std::vector<wire::PeerEvent>& events) override;
  void on_peer_closed(PeerConnection& peer, const std::string& reason) override;

 private:
  struct KnownPeer {
    std::chrono::steady_clock::time_point next_attempt{};
    std::chrono::seconds backoff{0};
    std::shared_ptr<PeerConnection> connection;
  };
  struct EventVisitor;  // torrent_events.cpp

  void on_storage_event(const storage::StorageEvent& event);
  void on_checked(const storage::CheckFinished& done);
  void on_piece_verified(std::uint32_t piece);
  void on_piece_failed(const storage::PieceFailed& failed);
  void ban(std::uint64_t key);
  void dial_due_peers();
  void tick();
  void arm_timer();
  void update_rates();
  void fill_requests(PeerConnection& peer);
  void update_interest(PeerConnection& peer);
  void unchoke_if_slot(PeerConnection& peer);
  void serve_request(PeerConnection& peer, const wire::BlockRef& block);
  void on_block(PeerConnection& peer, const wire::Piece& piece);
  void cancel_elsewhere(PeerConnection& from, const wire::BlockRef& block);
  bool has_piece(std::uint32_t piece) const;
  std::size_t unchoked_count() const;

  asio::io_context& io_;
  storage::WorkerPool& pool_;
  Metainfo meta_;
  TorrentOptions options_;
  PeerConnectionOptions connection_options_;
  TorrentCallbacks callbacks_;
  wire::WireHash info_hash_;
  wire::PieceGeometry geometry_;
  std::unique_ptr<storage::TorrentStorage> storage_;
  DownloadQueue queue_;
  asio::steady_timer timer_;
  bool checking_ = true;
  bool stopped_ = false;
  bool announced_complete_ = false;
  std::map<Endpoint, KnownPeer> known_;
  std::map<PeerConnection*, std::shared_ptr<PeerConnection>> peers_;
  std::map<std::uint64_t, int> strikes_;  // peer key -> failed pieces it contributed to
  std::set<std::string> banned_;          // addresses (without port) of proven liars
  std::set<std::uint64_t> banned_keys_;   // their connections' keys
  std::uint64_t downloaded_ = 0;
  std::uint64_t uploaded_ = 0;
  std::uint64_t last_downloaded_ = 0;
  std::uint64_t last_uploaded_ = 0;
  double down_rate_ = 0;
  double up_rate_ = 0;
  std::chrono::steady_clock::time_point last_rate_;
  std::chrono::steady_clock::time_point next_resume_save_;
  bool dirty_ = false;  // pieces verified since the last resume save
};

}  // namespace btnode::node
