// PeerConnection: one TCP peer-wire connection, the I/O half of
// wire::PeerProtocol. It dials or is handed an accepted socket, runs the BEP 3
// handshake through wire::HandshakeParser, frames the stream with
// wire::MessageReader (reading straight into its buffer), feeds PeerProtocol
// and writes what it answers. Piece payloads are written by scatter/gather
// next to their 13-byte header, never copied into the output buffer.
//
// It owns no torrent state: after the handshake its owner (Torrent) attaches
// as the Handler and is told of the peer's events. Lives on the network thread
// only; held by shared_ptr because Asio completions may outlive its owner's
// interest in it.
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/endpoint.h"
#include "core/ids.h"
#include "wire/handshake.h"
#include "wire/message_reader.h"
#include "wire/mse_initiator.h"
#include "wire/mse_receiver.h"
#include "wire/peer_protocol.h"

namespace btnode::node {

class PeerConnection;

// What the connection tells its owner once attached.
class PeerConnectionHandler {
 public:
  virtual ~PeerConnectionHandler() = default;
  // The handshakes are exchanged and protocol() exists: send availability.
  virtual void on_peer_attached(PeerConnection& peer) = 0;
  // New events are in `events`; Block/ExtendedMessage views stay valid only
  // during this call.
  virtual void on_peer_events(PeerConnection& peer, std::vector<wire::PeerEvent>& events) = 0;
  // Called once, after the socket is closed (posted, never from inside a call
  // of the handler into this connection).
  virtual void on_peer_closed(PeerConnection& peer, const std::string& reason) = 0;
};

struct PeerConnectionOptions {
  PeerId own_peer_id;
  wire::Reserved reserved;  // the extension bits we set
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds handshake_timeout{10'000};
  // BEP 3 peers send a keep-alive every two minutes at the latest.
  std::chrono::milliseconds inactivity_timeout{150'000};
  std::chrono::milliseconds keepalive_interval{60'000};
  std::size_t read_size = 256 * 1024;  // bytes asked of each read (large reads, fewer syscalls)
  // MSE/PE. Outgoing: `disable` dials in plaintext, which every client
  // accepts; `prefer` offers RC4 and plaintext. Incoming: `prefer` accepts
  // MSE and plain handshakes alike, `require` refuses plain ones.
  wire::MsePolicy outgoing_mse = wire::MsePolicy::disable;
  wire::MsePolicy incoming_mse = wire::MsePolicy::prefer;
  // Incoming MSE: HASH('req2', SKEY) -> the info-hash we serve.
  std::function<std::optional<wire::MseSkey>(const Sha1Digest&)> find_skey;
};

// What the owner decides when the peer's handshake is in: the handler and the
// protocol options for this torrent, or nullopt to refuse the connection.
struct PeerAttach {
  PeerConnectionHandler* handler = nullptr;
  wire::PeerProtocolOptions protocol;
  // Unset for a magnet download still fetching the metadata.
  std::optional<wire::PieceGeometry> geometry;
};
using HandshakeDecision = std::function<std::optional<PeerAttach>(PeerConnection&)>;

class PeerConnection : public std::enable_shared_from_this<PeerConnection> {
 public:
  // Dials `to` for torrent `info_hash`.
  static std::shared_ptr<PeerConnection> outgoing(asio::io_context& io, const Endpoint& to,
                                                  const wire::WireHash& info_hash,
                                                  PeerConnectionOptions options);
  // An accepted socket; `accepts` says which info-hashes we serve.
  static std::shared_ptr<PeerConnection> incoming(
      asio::ip::tcp::socket socket, std::function<bool(const wire::WireHash&)> accepts,
      PeerConnectionOptions options);

  PeerConnection(asio::ip::tcp::socket socket, PeerConnectionOptions options, bool outgoing);
  PeerConnection(const PeerConnection&) = delete;
  PeerConnection& operator=(const PeerConnection&) = delete;

  // Starts connecting/handshaking; `decide` runs when the peer's handshake is in.
  void start(HandshakeDecision decide);
  // The dialler sets its handler before start() so it also hears of
  // connections that fail before the handshake (to redial them later).
  void set_handler(PeerConnectionHandler* handler) { handler_ = handler; }
  // Closes the socket; the handler (if set) hears on_peer_closed once.
  void close(const std::string& reason);
  // Stops reporting to the handler (its owner is going away), then closes.
  void detach_and_close();
  // Gives this handshaken connection to another owner, keeping the socket,
  // MSE state and the peer's extension state: a magnet download's metadata
  // phase hands its connections to the Torrent instead of redialling them.
  // From now on `to.handler` hears the events and the close; `to.geometry`
  // is installed (availability the peer sent before is checked now, and
  // reported as an Availability event); `to.protocol`'s request bound and
  // we_have replace the old ones. The new owner greets the peer itself
  // (on_peer_attached is not called). On availability that does not fit the
  // geometry the connection is closed (the new handler hears it) and false
  // is returned.
  bool hand_over(PeerAttach to);
  // It was handed over: our availability message was sent by the first owner.
  bool handed_over() const { return handed_over_; }

  // Our decisions go through the protocol; call flush() afterwards (the
  // owner's event handler need not: the connection flushes after it).
  wire::PeerProtocol& protocol() { return *protocol_; }
  bool attached() const { return protocol_.has_value() && handler_ != nullptr; }
  void flush();
  // Pieces sent between these two go out together in one gather write;
  // release_writes() flushes.
  void hold_writes() { ++writes_held_; }
  void release_writes() {
    --writes_held_;
    flush();
  }
  // Queues a piece message: its header, then `data` as a second buffer.
  void send_piece(const wire::BlockRef& block, std::string data);
  // The same with `data` a view into `buffer`, which the queue holds until
  // the bytes are written (no copy unless the stream is encrypted).
  void send_piece(const wire::BlockRef& block, std::shared_ptr<const std::string> buffer,
                  std::string_view data);

  bool closed() const { return closed_; }
  bool is_outgoing() const { return outgoing_; }
  // MSE/PE selected RC4 for this connection.
  bool encrypted() const { return encrypt_.has_value(); }
  const Endpoint& remote() const { return remote_; }
  const wire::Handshake& peer_handshake() const { return handshake_; }
  // Opaque key naming this peer to storage (for liar reports).
  std::uint64_t key() const { return key_; }
  std::uint64_t bytes_received() const { return bytes_received_; }
  std::uint64_t bytes_sent() const { return bytes_sent_; }
  std::size_t queued_bytes() const { return queued_bytes_; }

 private:
  struct OutItem {
    std::string header;   // protocol bytes, or a piece message's header
    std::string payload;  // a piece's block (may be empty)
    // Or the block is `view`, inside a buffer shared with the read cache.
    std::shared_ptr<const std::string> shared;
    std::string_view view;
    std::string_view body() const { return shared ? view : std::string_view(payload); }
  };
  void queue_piece(const wire::BlockRef& block, OutItem item);

  void connect(const Endpoint& to);
  void start_mse();
  bool feed_mse(std::string_view bytes);
  bool on_mse_outcome(wire::MseOutcome outcome);
  void queue_raw(std::string bytes);
  void send_handshake();
  void read_more();
  void on_read(std::size_t bytes);
  bool feed_handshake(std::string_view data);
  bool attach();
  void process_messages();
  void deliver_events();
  void write_more();
  void on_written(std::size_t items, std::size_t bytes);
  void arm_timer();
  void on_tick();

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  PeerConnectionOptions options_;
  bool outgoing_;
  Endpoint remote_;
  std::uint64_t key_;
  wire::WireHash info_hash_{};  // outgoing: the torrent we dialled for
  std::function<bool(const wire::WireHash&)> accepts_;
  std::optional<wire::MseInitiator> mse_initiator_;
  std::optional<wire::MseReceiver> mse_receiver_;
  std::optional<wire::Rc4> encrypt_;  // set when MSE selected RC4
  std::optional<wire::Rc4> decrypt_;
  std::optional<wire::HandshakeParser> handshake_parser_;
  wire::Handshake handshake_;
  bool handshake_sent_ = false;
  HandshakeDecision decide_;
  PeerConnectionHandler* handler_ = nullptr;
  std::optional<wire::PeerProtocol> protocol_;
  wire::MessageReader reader_;
  std::vector<char> pre_buffer_;
  std::span<char> read_span_;  // where the read in progress writes  // bytes read before the
                               // handshake completes
  std::deque<OutItem> queue_;
  std::size_t in_flight_ = 0;  // items of queue_ being written
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  // While > 0 (inside the handler's on_peer_events, or between
  // hold_writes() and release_writes()) queued pieces wait for the flush
  // after it, so one gather write carries every block of the batch.
  int writes_held_ = 0;
  bool closed_ = false;
  bool handed_over_ = false;
  std::chrono::steady_clock::time_point last_receive_;
  std::chrono::steady_clock::time_point last_send_;
  std::chrono::steady_clock::time_point deadline_;  // connect/handshake deadline
  std::uint64_t bytes_received_ = 0;
  std::uint64_t bytes_sent_ = 0;
};

}  // namespace btnode::node
