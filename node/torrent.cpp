#include "node/torrent.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>
#include <asio/post.hpp>

#include "pex/pex_flags.h"

namespace btnode::node {
namespace {

using Clock = std::chrono::steady_clock;

wire::PieceGeometry geometry_of(const Metainfo& meta) {
  return {static_cast<std::uint32_t>(meta.piece_count()),
          static_cast<std::uint32_t>(meta.piece_length),
          static_cast<std::uint64_t>(meta.total_size)};
}

PiecePickerOptions picker_options(const wire::PieceGeometry& g, bool sequential) {
  PiecePickerOptions o;
  o.piece_count = g.piece_count;
  o.piece_length = g.piece_length;
  o.total_size = g.total_size;
  o.sequential = sequential;
  return o;
}

}  // namespace

Torrent::Torrent(asio::io_context& io, storage::WorkerPool& pool, Metainfo meta,
                 TorrentOptions options, PeerConnectionOptions connection,
                 TorrentCallbacks callbacks)
    : io_(io),
      pool_(pool),
      meta_(std::move(meta)),
      options_(std::move(options)),
      connection_options_(std::move(connection)),
      callbacks_(std::move(callbacks)),
      info_hash_(meta_.info_hash.wire_id()),
      extensions_(meta_, options_.extensions),
      geometry_(geometry_of(meta_)),
      picker_(picker_options(geometry_, options_.sequential)),
      choker_(options_.choker),
      bans_(options_.ban),
      timer_(io) {}

Torrent::~Torrent() {
  for (auto& [raw, conn] : peers_) conn->detach_and_close();
  for (auto& conn : adopted_) conn->detach_and_close();
  timer_.cancel();
}

Result<void> Torrent::start() {
  auto files = storage::FileStore::for_torrent(meta_, options_.download_dir,
                                                  {.preallocate = options_.preallocate});
  if (!files) return fail(files.error());
  storage::TorrentStorageConfig config;
  config.files = std::shared_ptr<storage::FileStore>(std::move(*files));
  config.piece_hashes = meta_.piece_hashes;
  config.info_hash = info_hash_;
  config.resume_path = options_.resume_path;
  config.pool = &pool_;
  // Captures the io_context, not this: pool jobs may post after the Torrent is gone.
  config.post = [&io = io_](std::function<void()> f) { asio::post(io, std::move(f)); };
  config.on_event = [this](const storage::StorageEvent& e) { on_storage_event(e); };
  storage_ = std::make_unique<storage::TorrentStorage>(std::move(config));
  storage_->start();
  last_rate_ = Clock::now();
  next_resume_save_ = Clock::now() + options_.resume_interval;
  arm_timer();
  return {};
}

void Torrent::on_storage_event(const storage::StorageEvent& event) {
  if (auto* v = std::get_if<storage::PieceVerified>(&event)) {
    on_piece_verified(static_cast<std::uint32_t>(v->piece));
  } else if (auto* f = std::get_if<storage::PieceFailed>(&event)) {
    on_piece_failed(*f);
  } else if (auto* c = std::get_if<storage::CheckFinished>(&event)) {
    on_checked(*c);
  } else if (auto* s = std::get_if<storage::StorageFailed>(&event)) {
    spdlog::error("{}: storage failed: {}", meta_.name, s->error.message());
    for (auto& [raw, conn] : peers_) conn->close("storage failed");
    if (callbacks_.on_error) callbacks_.on_error("storage: " + s->error.message());
  }
}

void Torrent::on_checked(const storage::CheckFinished& done) {
  checking_ = false;
  for (std::int64_t i = 0; i < storage_->have().size(); ++i) {
    if (storage_->have().test(i)) picker_.set_have(static_cast<std::uint32_t>(i));
  }
  spdlog::info("{}: checked, {}/{} pieces", meta_.name, done.have, meta_.piece_count());
  if (callbacks_.on_checked) callbacks_.on_checked(done);
  if (complete() && !announced_complete_) {
    announced_complete_ = true;
    if (callbacks_.on_complete) callbacks_.on_complete();
  }
  for (auto& conn : std::exchange(adopted_, {})) take_over(conn);
  dial_due_peers();
}

void Torrent::adopt(std::shared_ptr<PeerConnection> conn) {
  if (stopped_) return conn->detach_and_close();
  if (checking_) return adopted_.push_back(std::move(conn));
  take_over(conn);
}

void Torrent::take_over(const std::shared_ptr<PeerConnection>& conn) {
  if (conn->closed()) return;
  auto to = attach(*conn);
  if (!to) return conn->detach_and_close();
  if (!conn->hand_over(std::move(*to))) return;  // closed; on_peer_closed cleans up
  // Known under the endpoint it is dialled at, so it is not dialled again.
  std::optional<Endpoint> at;
  if (conn->is_outgoing()) at = conn->remote();
  else if (auto port = conn->protocol().peer_extensions().listen_port) at = conn->remote().with_port(*port);
  if (at) known_[*at].connection = conn;
  on_peer_attached(*conn);
  std::vector<wire::PeerEvent> availability{wire::event::Availability{}};
  on_peer_events(*conn, availability);
  conn->flush();
}

void Torrent::on_piece_verified(std::uint32_t piece) {
  picker_.on_piece_passed(piece);
  bool was_waiting = verifying_.erase(piece) > 0;
  dirty_ = true;
  for (auto& [raw, conn] : peers_) {
    if (!conn->attached()) continue;
    conn->protocol().have(piece);
    if (complete() && conn->protocol().am_interested()) conn->protocol().not_interested();
    if (was_waiting && !complete()) fill_requests(*conn);  // the disk may have held them back
    conn->flush();
  }
  if (complete() && !announced_complete_) {
    announced_complete_ = true;
    spdlog::info("{}: download complete", meta_.name);
    storage_->save_resume();
    if (callbacks_.on_complete) callbacks_.on_complete();
  }
}

// The picker knows who sent each block. A failure with a banned peer among
// the senders is that peer's doing (its blocks stay in the piece being
// assembled after the ban): it is no evidence against the others. Otherwise
// the BanList weighs it (sole sender, or repeated involvement).
void Torrent::on_piece_failed(const storage::PieceFailed& failed) {
  auto piece = static_cast<std::uint32_t>(failed.piece);
  verifying_.erase(piece);
  PieceContributors contributors = picker_.on_piece_failed(piece);
  std::vector<BlockSource> sources;
  bool known_liar = false;
  for (PeerKey key : contributors.senders) {
    auto it = key_address_.find(key);
    if (it == key_address_.end()) continue;
    known_liar = known_liar || bans_.is_banned(it->second);
    sources.push_back(BlockSource{it->second, {}});
  }
  if (known_liar) {
    spdlog::info("{}: piece {} failed its hash; it held blocks of a banned peer, fetching it again",
                 meta_.name, piece);
    return;
  }
  spdlog::warn("{}: piece {} failed its hash check ({} blocks)", meta_.name, piece,
               sources.size());
  for (const Endpoint& address : bans_.on_piece_failed(piece, sources)) ban(address);
  for (auto& [raw, conn] : peers_) {
    if (conn->attached()) fill_requests(*conn);
  }
}

void Torrent::ban(const Endpoint& address) {
  bans_.ban(address);
  spdlog::warn("{}: banning {} (sent corrupt data)", meta_.name, address.with_port(0).to_string());
  for (const auto& [key, where] : key_address_) {
    if (bans_.is_banned(where)) discard_blocks_from(key);
  }
  std::vector<std::shared_ptr<PeerConnection>> victims;
  for (auto& [raw, conn] : peers_) {
    if (bans_.is_banned(conn->remote())) victims.push_back(conn);
  }
  for (auto& conn : victims) conn->close("banned: sent corrupt data");
}

// A liar's blocks in pieces still being assembled would make each of them
// fail once more when honest peers complete it (and cost them a strike):
// those pieces start again from nothing.
void Torrent::discard_blocks_from(PeerKey key) {
  if (!storage_) return;
  for (std::uint32_t piece : picker_.pieces_with_blocks_from(key)) {
    if (verifying_.contains(piece)) continue;  // complete: its hash decides
    storage_->discard_partial(piece);
    picker_.on_piece_failed(piece);  // every received block is free again
    spdlog::debug("{}: piece {} restarted without the blocks of a banned peer", meta_.name, piece);
  }
}

void Torrent::add_peer(const Endpoint& peer, std::optional<std::uint8_t> pex_flags) {
  auto [it, fresh] = known_.try_emplace(peer);
  if (pex_flags) {
    auto hint = pex::dial_hint(*pex_flags, false);
    it->second.pex_flags = pex_flags;
    if (fresh) it->second.plaintext_next = !hint.encrypted_first;
  }
  if (!checking_) dial_due_peers();
}

void Torrent::dial_due_peers() {
  if (checking_ || stopped_) return;
  auto now = Clock::now();
  for (auto& [endpoint, known] : known_) {
    if (known.connection || now < known.next_attempt || peers_.size() >= options_.max_peers)
      continue;
    // A seed dials too: some clients (Transmission on loopback, peers behind
    // NAT) never dial in, so a seed must connect out to the leeches it knows.
    if (bans_.is_banned(endpoint)) continue;
    if (known.pex_flags && pex::dial_hint(*known.pex_flags, complete()).skip) continue;
    known.backoff = std::clamp(known.backoff * 2, options_.reconnect_min, options_.reconnect_max);
    known.next_attempt = now + known.backoff;
    // MSE `prefer` offers encryption first and falls back to plaintext when
    // the peer does not speak MSE (it closes or answers garbage).
    PeerConnectionOptions dial = connection_options_;
    if (dial.outgoing_mse == wire::MsePolicy::prefer && known.plaintext_next)
      dial.outgoing_mse = wire::MsePolicy::disable;
    known.dialled_encrypted = dial.outgoing_mse != wire::MsePolicy::disable;
    auto conn = PeerConnection::outgoing(io_, endpoint, info_hash_, std::move(dial));
    known.connection = conn;
    peers_[conn.get()] = conn;
    conn->set_handler(this);
    conn->start([this](PeerConnection& c) { return attach(c); });
  }
}

std::optional<PeerAttach> Torrent::attach(PeerConnection& peer) {
  if (checking_ || stopped_) return std::nullopt;
  if (bans_.is_banned(peer.remote())) return std::nullopt;
  for (auto& [raw, other] : peers_) {
    if (raw != &peer && other->attached() &&
        other->peer_handshake().peer_id == peer.peer_handshake().peer_id)
      return std::nullopt;  // already connected to this peer
  }
  if (!peers_.contains(&peer)) {
    if (peers_.size() >= options_.max_peers) return std::nullopt;
    peers_[&peer] = peer.shared_from_this();
  }
  PeerAttach out;
  out.handler = this;
  out.geometry = geometry_;
  out.protocol.max_peer_requests = options_.max_peer_requests;
  out.protocol.we_have = [this](std::uint32_t piece) { return has_piece(piece); };
  return out;
}

bool Torrent::has_piece(std::uint32_t piece) const {
  return storage_ && piece < storage_->have().size() && storage_->have().test(piece);
}

void Torrent::on_peer_closed(PeerConnection& peer, const std::string& reason) {
  auto it = peers_.find(&peer);
  if (it == peers_.end()) return;
  auto keep = it->second;  // alive until this function returns
  peers_.erase(it);
  extensions_.on_closed(peer);
  spdlog::info("{}: peer {} gone: {}", meta_.name, peer.remote().to_string(), reason);
  if (auto state = states_.find(&peer); state != states_.end()) {
    picker_.release_peer(peer.key());
    uncount_availability(state->second);
    choker_.remove_peer(peer.key());
    by_key_.erase(peer.key());
    states_.erase(state);
  }
  bool handshaken = peer.attached();
  bool redial_now = false;
  for (auto& [endpoint, known] : known_) {
    if (known.connection.get() != &peer) continue;
    known.connection.reset();
    // A peer that worked resets its backoff: a restart of it is retried soon.
    if (peer.bytes_received() > wire::kHandshakeSize) known.backoff = std::chrono::seconds(0);
    // MSE `prefer`: connected, but the encrypted handshake went nowhere.
    bool connected = reason.rfind("connect:", 0) != 0;
    if (connection_options_.outgoing_mse == wire::MsePolicy::prefer && !handshaken && connected) {
      known.plaintext_next = known.dialled_encrypted;
      if (known.plaintext_next) {
        known.next_attempt = Clock::now();
        redial_now = true;
      }
    }
  }
  if (redial_now) dial_due_peers();
  // Someone else may be able to use the blocks it held.
  for (auto& [raw, conn] : peers_) {
    if (conn->attached()) fill_requests(*conn);
  }
}

void Torrent::stop(std::function<void()> done) {
  stopped_ = true;
  timer_.cancel();
  for (auto& [raw, conn] : peers_) conn->detach_and_close();
  for (auto& conn : adopted_) conn->detach_and_close();
  peers_.clear();
  adopted_.clear();
  states_.clear();
  by_key_.clear();
  if (!storage_ || storage_->checking()) {
    asio::post(io_, std::move(done));
    return;
  }
  storage_->save_resume([done = std::move(done), this](Result<void> saved) {
    if (!saved) spdlog::warn("{}: resume data not saved: {}", meta_.name, saved.error().message);
    done();
  });
}

TorrentStats Torrent::stats() const {
  TorrentStats s;
  s.pieces_total = meta_.piece_count();
  s.bytes_total = static_cast<std::uint64_t>(meta_.total_size);
  s.checking = checking_;
  if (storage_) {
    s.pieces_have = storage_->have().count();
    for (std::int64_t i = 0; i < storage_->have().size(); ++i) {
      if (storage_->have().test(i)) s.bytes_have += static_cast<std::uint64_t>(meta_.piece_size(i));
    }
  }
  s.downloaded = downloaded_;
  s.uploaded = uploaded_;
  s.down_rate = down_rate_;
  s.up_rate = up_rate_;
  for (const auto& [raw, conn] : peers_) s.peers += conn->attached() ? 1 : 0;
  s.complete = complete();
  return s;
}

void Torrent::arm_timer() {
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopped_) return;
    tick();
    arm_timer();
  });
}

void Torrent::tick() {
  update_rates();
  dial_due_peers();
  tick_extensions();
  auto now = Clock::now();
  if (now >= next_rechoke_) rechoke(now);
  std::vector<std::shared_ptr<PeerConnection>> attached;
  for (auto& [raw, conn] : peers_) {
    if (conn->attached() && states_.contains(raw)) attached.push_back(conn);
  }
  for (auto& conn : attached) {
    if (conn->closed()) continue;
    check_requests(*conn, states_.at(conn.get()), now);
  }
  for (auto& conn : attached) {
    if (conn->closed()) continue;
    fill_requests(*conn);
    conn->flush();
  }
  if (dirty_ && Clock::now() >= next_resume_save_ && storage_ && !storage_->checking()) {
    dirty_ = false;
    next_resume_save_ = Clock::now() + options_.resume_interval;
    storage_->save_resume();
  }
}

void Torrent::tick_extensions() {
  std::vector<PeerConnection*> attached;
  for (auto& [raw, conn] : peers_) {
    if (conn->attached() && !conn->closed()) attached.push_back(raw);
  }
  extensions_.tick(attached, Clock::now());
}

void Torrent::update_rates() {
  auto now = Clock::now();
  double dt = std::chrono::duration<double>(now - last_rate_).count();
  if (dt <= 0) return;
  // Exponential smoothing over a few seconds keeps the ETA from jumping.
  constexpr double kWeight = 0.5;
  down_rate_ = kWeight * down_rate_ + (1 - kWeight) * double(downloaded_ - last_downloaded_) / dt;
  up_rate_ = kWeight * up_rate_ + (1 - kWeight) * double(uploaded_ - last_uploaded_) / dt;
  last_downloaded_ = downloaded_;
  last_uploaded_ = uploaded_;
  last_rate_ = now;
}

}  // namespace btnode::node
