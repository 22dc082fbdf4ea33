#include "node/peer_connection.h"

#include <spdlog/spdlog.h>

#include <asio/connect.hpp>
#include <asio/post.hpp>
#include <asio/write.hpp>
#include <atomic>

#include "node/asio_endpoint.h"

namespace btnode::node {
namespace {

using Clock = std::chrono::steady_clock;

// Keys only need to be unique per process: storage reports liars by key.
std::uint64_t next_key() {
  static std::atomic<std::uint64_t> counter{1};
  return counter++;
}

// Enough buffers per gather write to cover a deep request queue in one call.
constexpr std::size_t kMaxGather = 64;

}  // namespace

std::shared_ptr<PeerConnection> PeerConnection::outgoing(asio::io_context& io, const Endpoint& to,
                                                         const wire::WireHash& info_hash,
                                                         PeerConnectionOptions options) {
  auto conn = std::make_shared<PeerConnection>(asio::ip::tcp::socket(io), std::move(options), true);
  conn->remote_ = to;
  conn->info_hash_ = info_hash;
  conn->accepts_ = [info_hash](const wire::WireHash& h) { return h == info_hash; };
  return conn;
}

std::shared_ptr<PeerConnection> PeerConnection::incoming(
    asio::ip::tcp::socket socket, std::function<bool(const wire::WireHash&)> accepts,
    PeerConnectionOptions options) {
  asio::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  auto conn = std::make_shared<PeerConnection>(std::move(socket), std::move(options), false);
  if (!ec) conn->remote_ = from_asio(peer.address(), peer.port());
  conn->accepts_ = std::move(accepts);
  return conn;
}

PeerConnection::PeerConnection(asio::ip::tcp::socket socket, PeerConnectionOptions options,
                               bool outgoing)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      options_(std::move(options)),
      outgoing_(outgoing),
      key_(next_key()) {}

void PeerConnection::start(HandshakeDecision decide) {
  decide_ = std::move(decide);
  handshake_parser_.emplace(wire::HandshakeRules{
      .own_peer_id = options_.own_peer_id, .accept_info_hash = accepts_, .expected_peer_id = {}});
  last_receive_ = last_send_ = Clock::now();
  deadline_ = Clock::now() + (outgoing_ ? options_.connect_timeout + options_.handshake_timeout
                                        : options_.handshake_timeout);
  arm_timer();
  if (outgoing_) {
    connect(remote_);
  } else {
    if (options_.incoming_mse != wire::MsePolicy::disable && options_.find_skey) start_mse();
    read_more();
  }
}

void PeerConnection::connect(const Endpoint& to) {
  asio::ip::tcp::endpoint target(to_asio_address(to), to.port());
  socket_.async_connect(target, [self = shared_from_this()](const asio::error_code& ec) {
    if (self->closed_) return;
    if (ec) return self->close("connect: " + ec.message());
    asio::error_code ignored;
    self->socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    if (self->options_.outgoing_mse != wire::MsePolicy::disable) {
      self->start_mse();
    } else {
      self->send_handshake();
    }
    self->read_more();
  });
}

void PeerConnection::start_mse() {
  if (!outgoing_) {
    mse_receiver_.emplace(wire::MseReceiverOptions{.policy = options_.incoming_mse,
                                                   .find_skey = options_.find_skey,
                                                   .pad_b_length = {},
                                                   .pad_d_length = {}});
    return;
  }
  // Our BitTorrent handshake rides in message 3 (IA), saving a round trip.
  handshake_sent_ = true;
  wire::Handshake ours{options_.reserved, info_hash_, options_.own_peer_id};
  mse_initiator_.emplace(wire::MseInitiatorOptions{.info_hash = info_hash_,
                                                   .policy = options_.outgoing_mse,
                                                   .initial_payload = wire::encode_handshake(ours),
                                                   .pad_a_length = {},
                                                   .pad_c_length = {}});
  queue_raw(mse_initiator_->start().send);
}

bool PeerConnection::feed_mse(std::string_view bytes) {
  auto step = mse_initiator_ ? mse_initiator_->feed(bytes) : mse_receiver_->feed(bytes);
  if (!step) {
    close("encryption handshake: " + step.error().message);
    return false;
  }
  if (!step->send.empty()) queue_raw(std::move(step->send));
  if (!step->outcome) return true;
  return on_mse_outcome(std::move(*step->outcome));
}

bool PeerConnection::on_mse_outcome(wire::MseOutcome outcome) {
  mse_initiator_.reset();
  mse_receiver_.reset();
  if (outcome.crypto == wire::MseCrypto::rc4) {
    encrypt_ = std::move(outcome.encrypt);
    decrypt_ = std::move(outcome.decrypt);
  }
  spdlog::debug("peer {}: {}", remote_.to_string(),
                !outcome.negotiated ? "plain handshake"
                : encrypt_          ? "MSE, RC4"
                                    : "MSE, plaintext");
  // The receiver's IA is the peer's BitTorrent handshake; what follows it is
  // the start of the message stream. Both arrive decrypted.
  std::string stream = std::move(outcome.initial_payload);
  stream += outcome.remaining;
  return feed_handshake(stream);
}

void PeerConnection::queue_raw(std::string bytes) {
  if (bytes.empty()) return;
  queue_.push_back({std::move(bytes), {}, {}, {}});
  write_more();
}

void PeerConnection::send_handshake() {
  if (handshake_sent_) return;
  handshake_sent_ = true;
  wire::Handshake ours{options_.reserved, outgoing_ ? info_hash_ : handshake_.info_hash,
                       options_.own_peer_id};
  std::string bytes = wire::encode_handshake(ours);
  if (encrypt_) encrypt_->apply(std::span<char>(bytes));
  queue_raw(std::move(bytes));
}

void PeerConnection::read_more() {
  std::span<char> into;
  if (protocol_) {
    into = reader_.prepare(options_.read_size);
  } else {
    // During MSE the peer's messages (Yb and pads) are up to ~700 bytes.
    bool mse = mse_initiator_ || mse_receiver_;
    pre_buffer_.resize(mse ? 4096 : wire::kHandshakeSize);
    into = pre_buffer_;
  }
  read_span_ = into;
  socket_.async_read_some(
      asio::buffer(into.data(), into.size()),
      [self = shared_from_this()](const asio::error_code& ec, std::size_t n) {
        if (self->closed_) return;
        if (ec) return self->close(ec == asio::error::eof ? "peer closed" : ec.message());
        self->on_read(n);
      });
}

void PeerConnection::on_read(std::size_t bytes) {
  bytes_received_ += bytes;
  last_receive_ = Clock::now();
  if (decrypt_) decrypt_->apply(read_span_.first(bytes));
  if (protocol_) {
    reader_.commit(bytes);
    process_messages();
  } else {
    std::string_view data(pre_buffer_.data(), bytes);
    bool open = (mse_initiator_ || mse_receiver_) ? feed_mse(data) : feed_handshake(data);
    if (!open) return;
  }
  if (!closed_) read_more();
}

// Before the handshake is complete: feeds it, and hands what follows it to
// the message reader. False when the connection closed.
bool PeerConnection::feed_handshake(std::string_view data) {
  auto used = handshake_parser_->feed(data);
  if (!used) {
    close("handshake: " + used.error().message);
    return false;
  }
  if (!handshake_parser_->complete()) return true;
  handshake_ = handshake_parser_->handshake();
  if (!attach()) return false;
  reader_.feed(data.substr(*used));
  process_messages();
  return !closed_;
}

bool PeerConnection::attach() {
  auto decision = decide_ ? decide_(*this) : std::nullopt;
  if (!decision || closed_) {
    close("torrent refused the peer");
    return false;
  }
  handler_ = decision->handler;
  wire::Reserved both = wire::negotiated(options_.reserved, handshake_.reserved);
  decision->protocol.fast_extension = both.fast_extension();
  decision->protocol.extension_protocol = both.extension_protocol();
  protocol_.emplace(std::move(decision->protocol), decision->geometry);
  if (decision->geometry) reader_.set_piece_count(decision->geometry->piece_count);
  deadline_ = Clock::time_point::max();
  send_handshake();
  handler_->on_peer_attached(*this);
  flush();
  return !closed_;
}

void PeerConnection::process_messages() {
  while (!closed_) {
    auto next = reader_.next();
    if (!next) return close("protocol: " + next.error().message);
    if (!*next) break;
    auto handled = protocol_->on_message(**next);
    if (!handled) return close("protocol: " + handled.error().message);
  }
  // Block views stay valid until the next read, so events may be handed over
  // in one batch after the loop.
  deliver_events();
}

void PeerConnection::deliver_events() {
  auto events = protocol_->take_events();
  if (!events.empty() && handler_ && !closed_) {
    ++writes_held_;
    handler_->on_peer_events(*this, events);
    --writes_held_;
  }
  flush();
}

void PeerConnection::flush() {
  if (closed_ || !protocol_) return;
  std::string out = protocol_->take_output();
  if (!out.empty()) {
    if (encrypt_) encrypt_->apply(std::span<char>(out));
    queued_bytes_ += out.size();
    queue_.push_back({std::move(out), {}, {}, {}});
  }
  write_more();
}

void PeerConnection::send_piece(const wire::BlockRef& block, std::string data) {
  OutItem item;
  item.payload = std::move(data);
  queue_piece(block, std::move(item));
}

void PeerConnection::send_piece(const wire::BlockRef& block,
                                std::shared_ptr<const std::string> buffer, std::string_view data) {
  OutItem item;
  if (encrypt_) {
    item.payload.assign(data);  // encrypted in place below: the shared bytes stay plain
  } else {
    item.shared = std::move(buffer);
    item.view = data;
  }
  queue_piece(block, std::move(item));
}

void PeerConnection::queue_piece(const wire::BlockRef& block, OutItem item) {
  if (closed_ || !protocol_) return;
  // Messages queued before the piece go out before it.
  if (std::string out = protocol_->take_output(); !out.empty()) {
    if (encrypt_) encrypt_->apply(std::span<char>(out));
    queued_bytes_ += out.size();
    queue_.push_back({std::move(out), {}, {}, {}});
  }
  wire::append_piece_header(item.header, block.piece, block.begin,
                            static_cast<std::uint32_t>(item.body().size()));
  if (encrypt_) {
    encrypt_->apply(std::span<char>(item.header));
    encrypt_->apply(std::span<char>(item.payload));
  }
  queued_bytes_ += item.header.size() + item.body().size();
  queue_.push_back(std::move(item));
  if (writes_held_ == 0) write_more();
}

void PeerConnection::write_more() {
  if (writing_ || closed_ || queue_.empty() || !socket_.is_open()) return;
  if (outgoing_ && !handshake_sent_) return;
  std::vector<asio::const_buffer> buffers;
  std::size_t items = 0;
  for (; items < queue_.size() && buffers.size() + 2 <= kMaxGather; ++items) {
    buffers.emplace_back(asio::buffer(queue_[items].header));
    const std::string_view body = queue_[items].body();
    if (!body.empty()) buffers.emplace_back(asio::buffer(body.data(), body.size()));
  }
  writing_ = true;
  in_flight_ = items;
  asio::async_write(socket_, buffers,
                    [self = shared_from_this(), items](const asio::error_code& ec, std::size_t n) {
                      self->writing_ = false;
                      if (self->closed_) return;
                      if (ec) return self->close("write: " + ec.message());
                      self->on_written(items, n);
                    });
}

void PeerConnection::on_written(std::size_t items, std::size_t bytes) {
  for (std::size_t i = 0; i < items; ++i) queue_.pop_front();
  in_flight_ = 0;
  bytes_sent_ += bytes;
  queued_bytes_ = bytes > queued_bytes_ ? 0 : queued_bytes_ - bytes;
  last_send_ = Clock::now();
  write_more();
}

void PeerConnection::close(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  spdlog::debug("peer {}: closed: {}", remote_.to_string(), reason);
  asio::error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  timer_.cancel();
  if (!handler_) return;
  asio::post(socket_.get_executor(), [self = shared_from_this(), reason] {
    if (self->handler_) self->handler_->on_peer_closed(*self, reason);
  });
}

bool PeerConnection::hand_over(PeerAttach to) {
  if (closed_ || !protocol_) return false;
  handler_ = to.handler;
  handed_over_ = true;
  protocol_->set_serving(to.protocol.max_peer_requests, std::move(to.protocol.we_have));
  if (to.geometry) {
    reader_.set_piece_count(to.geometry->piece_count);
    if (auto ok = protocol_->set_geometry(*to.geometry); !ok) {
      close("protocol: " + ok.error().message);
      return false;
    }
  }
  return true;
}

void PeerConnection::detach_and_close() {
  handler_ = nullptr;
  close("torrent stopped");
}

void PeerConnection::arm_timer() {
  timer_.expires_after(std::chrono::seconds(1));
  timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (ec || self->closed_) return;
    self->on_tick();
    if (!self->closed_) self->arm_timer();
  });
}

void PeerConnection::on_tick() {
  auto now = Clock::now();
  if (now > deadline_) return close("handshake timed out");
  if (now - last_receive_ > options_.inactivity_timeout) return close("inactive");
  if (protocol_ && now - last_send_ > options_.keepalive_interval && queue_.empty()) {
    protocol_->keep_alive();
    last_send_ = now;
    flush();
  }
}

}  // namespace btnode::node
