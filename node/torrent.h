// Torrent: the one owner of a torrent's state on the network thread
// (ARCHITECTURE.md): its storage, the pieces we have, its peers and their
// requests, and the sans-I/O policies that decide what to do with them:
//   - PiecePicker: which blocks to ask each peer for (rarest first, partial
//     pieces first, or strictly in order with `sequential`; endgame with
//     cancels);
//   - RequestPipeline (one per peer): how many requests to keep outstanding
//     (rate x round-trip time, capped by the peer's reqq);
//   - Choker: 4 upload slots by rate + 1 optimistic, round robin when seeding;
//   - SnubDetector (one per peer): an unchoking peer that sends nothing has
//     its requests handed to others;
//   - BanList: peers whose blocks keep failing the hash are banned by address.
// The Torrent reads the clock and feeds them. Everything here runs on the
// io_context's thread; storage jobs report back through asio::post.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <deque>
#include <optional>
#include <set>
#include <unordered_map>
#include <string>
#include <vector>

#include "core/endpoint.h"
#include "core/metainfo.h"
#include "node/ban_list.h"
#include "node/choker.h"
#include "node/peer_connection.h"
#include "node/piece_picker.h"
#include "node/rate_estimator.h"
#include "node/read_cache.h"
#include "node/request_pipeline.h"
#include "node/snub_detector.h"
#include "node/torrent_extensions.h"
#include "storage/torrent_storage.h"
#include "storage/worker_pool.h"

namespace btnode::node {

struct TorrentOptions {
  std::filesystem::path download_dir;
  // Allocate every file at full size at start (a full disk shows at once);
  // default: sparse files that grow as pieces arrive.
  bool preallocate = false;
  std::filesystem::path resume_path;  // empty: no resume data
  std::size_t max_peers = 64;
  // Pieces strictly in order (streaming) instead of rarest first.
  bool sequential = false;
  // Outstanding requests per peer follow rate x RTT within these bounds
  // (and the peer's reqq); the RTT is taken as at least 10 ms (see
  // RequestPipelineOptions::rtt_floor: loopback and LAN peers serving from disk).
  RequestPipelineOptions pipeline{.rtt_floor = std::chrono::milliseconds(10)};
  // The requests we queue from a peer (our advertised reqq).
  std::uint32_t max_peer_requests = 500;
  ChokerOptions choker;
  BanListOptions ban;
  // A request unanswered this long goes to another peer as well.
  std::chrono::seconds request_timeout{20};
  // An unchoking peer that sends nothing this long with requests outstanding
  // is snubbed: its requests go to other peers.
  std::chrono::seconds snub_timeout{30};
  // Complete pieces waiting for their hash check and write: past this many
  // bytes no new requests go out until the disk catches up (bounds memory
  // when the network is faster than hashing and writing).
  std::uint64_t max_unverified_bytes = 8 * 1024 * 1024;
  std::chrono::seconds reconnect_min{1};
  std::chrono::seconds reconnect_max{30};
  std::chrono::seconds resume_interval{30};
  std::uint16_t listen_port = 0;  // told to peers in the extended handshake
  ExtensionOptions extensions;    // ut_metadata, ut_pex
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
  // Dials `peer` once checked, and again after it drops (with backoff);
  // seeds dial too, since some peers never dial in. `pex_flags`: BEP 11
  // flags a peer told us about it (pex::dial_hint: seeds are not dialled
  // while we seed; the MSE `prefer` dial starts encrypted only for 0x01).
  void add_peer(const Endpoint& peer, std::optional<std::uint8_t> pex_flags = std::nullopt);
  // For a connection whose handshake named this torrent.
  std::optional<PeerAttach> attach(PeerConnection& peer);
  // A handshaken connection from the metadata phase of a magnet download
  // (MetadataFetch hands them over parked): kept, with its MSE and extension
  // state, instead of being redialled. It joins once the check is done (its
  // events until then are dropped; the peer's availability is kept by the
  // protocol); refused like attach() refuses (ban, duplicate, max_peers).
  void adopt(std::shared_ptr<PeerConnection> conn);
  // Closes every peer and saves resume data; `done` runs when it is written.
  void stop(std::function<void()> done);

  const wire::WireHash& info_hash() const { return info_hash_; }
  const Metainfo& metainfo() const { return meta_; }
  TorrentStats stats() const;
  bool complete() const { return picker_.finished() && !checking_; }
  const PiecePicker& picker() const { return picker_; }
  bool is_banned(const Endpoint& peer) const { return bans_.is_banned(peer); }
  const ExtensionStats& extension_stats() const { return extensions_.stats(); }

  // PeerConnectionHandler
  void on_peer_attached(PeerConnection& peer) override;
  void on_peer_events(PeerConnection& peer, std::vector<wire::PeerEvent>& events) override;
  void on_peer_closed(PeerConnection& peer, const std::string& reason) override;

 private:
  struct KnownPeer {
    std::chrono::steady_clock::time_point next_attempt{};
    std::chrono::seconds backoff{0};
    std::shared_ptr<PeerConnection> connection;
    // MSE `prefer`: the encrypted attempt failed after connecting, so the
    // next dial (at once) is plaintext; after that it alternates.
    bool plaintext_next = false;
    bool dialled_encrypted = false;
    std::optional<std::uint8_t> pex_flags;  // BEP 11 flags, if PEX told us of it
  };
  // The policies' view of one attached peer.
  struct PeerState {
    std::chrono::steady_clock::time_point connected_at;
    RequestPipeline pipeline;
    SnubDetector snub;
    RateEstimator upload;
    // Our requests in the order sent, with when (RTT samples, timeouts);
    // timed-out ones leave this list but stay outstanding at the peer.
    std::deque<std::pair<wire::BlockRef, std::chrono::steady_clock::time_point>> sent;
    // What this peer adds to the picker's availability (removed when it leaves).
    bool counted_all = false;
    Bitfield counted;
  };
  struct EventVisitor;  // torrent_events.cpp

  void on_storage_event(const storage::StorageEvent& event);
  void on_checked(const storage::CheckFinished& done);
  void on_piece_verified(std::uint32_t piece);
  void on_piece_failed(const storage::PieceFailed& failed);
  void ban(const Endpoint& address);
  void take_over(const std::shared_ptr<PeerConnection>& conn);
  void discard_blocks_from(PeerKey key);
  void dial_due_peers();
  void tick();
  void tick_extensions();
  void arm_timer();
  void update_rates();
  void fill_requests(PeerConnection& peer);
  void update_interest(PeerConnection& peer);
  void rechoke(std::chrono::steady_clock::time_point now);
  void rechoke_if_slot_free(PeerConnection& peer);
  void check_requests(PeerConnection& peer, PeerState& state,
                      std::chrono::steady_clock::time_point now);
  void serve_request(PeerConnection& peer, const wire::BlockRef& block);
  void serve_block_alone(PeerConnection& peer, const wire::BlockRef& block);
  void on_span_read(const ReadCache::SpanKey& key, storage::ReadResult read);
  // Sends a block from a buffer holding its bytes at `offset`, unless the
  // request was cancelled meanwhile.
  void send_block(PeerConnection& peer, const wire::BlockRef& block,
                  std::shared_ptr<const std::string> buffer, std::size_t offset);
  void on_block(PeerConnection& peer, const wire::Piece& piece);
  void request_gone(PeerConnection& peer, const wire::BlockRef& block);
  void count_availability(PeerConnection& peer);
  void count_have(PeerConnection& peer, std::uint32_t piece);
  void uncount_availability(PeerState& state);
  bool wanted_piece(std::uint32_t piece) const {
    return piece < picker_.piece_count() && !picker_.have(piece) && picker_.wanted(piece);
  }
  PeerState* state_of(PeerConnection& peer);
  bool has_piece(std::uint32_t piece) const;

  asio::io_context& io_;
  storage::WorkerPool& pool_;
  Metainfo meta_;
  TorrentOptions options_;
  PeerConnectionOptions connection_options_;
  TorrentCallbacks callbacks_;
  wire::WireHash info_hash_;
  TorrentExtensions extensions_;  // after meta_: it serves meta_.info_bytes
  wire::PieceGeometry geometry_;
  std::unique_ptr<storage::TorrentStorage> storage_;
  PiecePicker picker_;
  Choker choker_;
  BanList bans_;
  std::chrono::steady_clock::time_point next_rechoke_{};
  std::set<std::uint32_t> verifying_;  // complete pieces handed to storage
  // Seeding: spans read ahead, and the requests waiting for a span being read.
  ReadCache read_cache_;
  std::map<ReadCache::SpanKey,
           std::vector<std::pair<std::weak_ptr<PeerConnection>, wire::BlockRef>>>
      pending_reads_;
  asio::steady_timer timer_;
  bool checking_ = true;
  bool stopped_ = false;
  bool announced_complete_ = false;
  std::map<Endpoint, KnownPeer> known_;
  std::map<PeerConnection*, std::shared_ptr<PeerConnection>> peers_;
  std::vector<std::shared_ptr<PeerConnection>> adopted_;  // parked until the check is done
  std::unordered_map<PeerConnection*, PeerState> states_;  // attached peers
  std::unordered_map<PeerKey, PeerConnection*> by_key_;     // attached peers
  // Every attached peer's address by key, kept after it leaves: a failed
  // piece names the keys of its senders.
  std::unordered_map<PeerKey, Endpoint> key_address_;
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
