// mse_probe: a one-connection test peer that speaks MSE/PE through
// wire::MseInitiator / wire::MseReceiver over a real TCP socket, then
// exchanges BitTorrent handshakes (BEP 3). Test-only: it exists so that
// mse_libtorrent_test.py can hold our state machines against libtorrent.
//
//   mse_probe connect HOST PORT INFOHASH_HEX POLICY
//   mse_probe listen  HOST PORT INFOHASH_HEX POLICY   (PORT 0: prints the port)
//
// POLICY is prefer, require or disable. On success it prints one line
// "ok crypto=<rc4|plaintext> negotiated=<0|1> peer_id=<hex> next_id=<n>" and
// exits 0; on failure "error: ..." and exits 1. next_id is the id of the first
// message after the peer's handshake, read through the negotiated stream: it
// proves the ciphers are still in step after the handshake.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include "core/ids.h"
#include "core/result.h"
#include "wire/mse_initiator.h"
#include "wire/mse_receiver.h"

namespace {

using namespace btnode;
using namespace btnode::wire;

constexpr std::string_view kProtocol =
    "\x13"
    "BitTorrent protocol";
constexpr std::size_t kHandshakeSize = 68;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// A fresh peer id per run, so libtorrent never sees a duplicate peer.
std::string bt_handshake(const MseSkey& info_hash) {
  static const PeerId peer_id = make_peer_id("-BN0100-");
  std::string h(kProtocol);
  h.append(8, '\0');
  h.append(mse_view(info_hash));
  h.append(peer_id.view());
  return h;
}

Result<void> send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return fail(std::string("send: ") + std::strerror(errno));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<std::string> recv_some(int fd) {
  char buf[4096];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  if (n == 0) return fail("peer closed the connection");
  if (n < 0) return fail(std::string("recv: ") + std::strerror(errno));
  return std::string(buf, static_cast<std::size_t>(n));
}

// Feeds socket reads to an MSE side until it reports its outcome.
template <class Side>
Result<MseOutcome> drive(int fd, Side& side) {
  for (int reads = 0; reads < 1000; ++reads) {
    auto data = recv_some(fd);
    if (!data) return fail(data.error());
    auto step = side.feed(*data);
    if (!step) return fail(step.error());
    if (auto sent = send_all(fd, step->send); !sent) return fail(sent.error());
    if (step->outcome) return std::move(*step->outcome);
  }
  return fail("MSE handshake did not finish in 1000 reads");
}

// Reads through the negotiated stream until `have` holds n bytes.
Result<void> read_until(int fd, MseOutcome& o, std::string& have, std::size_t n) {
  for (int reads = 0; have.size() < n && reads < 1000; ++reads) {
    auto data = recv_some(fd);
    if (!data) return fail(data.error());
    if (o.decrypt) o.decrypt->apply(std::span<char>(*data));
    have += *data;
  }
  if (have.size() < n) return fail("stream too short");
  return {};
}

// The peer's handshake (and the id of its next message) from `stream`.
Result<std::string> check_peer(int fd, MseOutcome& o, std::string stream, const MseSkey& ih) {
  if (auto r = read_until(fd, o, stream, kHandshakeSize + 5); !r) return fail(r.error());
  if (stream.substr(0, kProtocol.size()) != kProtocol) return fail("peer's handshake is not BEP 3");
  if (stream.substr(28, 20) != mse_view(ih)) return fail("peer answered for another info-hash");
  const std::string peer_id = to_hex(stream.substr(48, 20));
  const unsigned next_id = static_cast<unsigned char>(stream[kHandshakeSize + 4]);
  return "ok crypto=" + std::string(o.crypto == MseCrypto::rc4 ? "rc4" : "plaintext") +
         " negotiated=" + (o.negotiated ? "1" : "0") + " peer_id=" + peer_id +
         " next_id=" + std::to_string(next_id);
}

Result<std::string> run_initiator(int fd, const MseSkey& ih, MsePolicy policy) {
  MseInitiator a(MseInitiatorOptions{ih, policy, bt_handshake(ih), {}, {}});
  auto first = a.start();
  if (auto sent = send_all(fd, first.send); !sent) return fail(sent.error());
  auto outcome = first.outcome ? Result<MseOutcome>(std::move(*first.outcome)) : drive(fd, a);
  if (!outcome) return fail(outcome.error());
  std::string stream = std::move(outcome->remaining);
  return check_peer(fd, *outcome, std::move(stream), ih);
}

Result<std::string> run_receiver(int fd, const MseSkey& ih, MsePolicy policy) {
  MseReceiverOptions options;
  options.policy = policy;
  options.find_skey = [ih](const Sha1Digest& req2) -> std::optional<MseSkey> {
    if (mse_req2_hash(ih) == req2) return ih;
    return std::nullopt;
  };
  MseReceiver b(std::move(options));
  auto outcome = drive(fd, b);
  if (!outcome) return fail(outcome.error());
  // Our handshake goes out through the negotiated stream.
  std::string reply = bt_handshake(ih);
  if (outcome->encrypt) outcome->encrypt->apply(std::span<char>(reply));
  if (auto sent = send_all(fd, reply); !sent) return fail(sent.error());
  std::string stream = outcome->initial_payload + outcome->remaining;
  return check_peer(fd, *outcome, std::move(stream), ih);
}

void set_timeout(int fd) {
  timeval timeout{20, 0};  // a stuck peer fails the test instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

// A connected socket: dialled out, or the one connection accepted on
// HOST:PORT (printing the bound port first so the test can hand it over).
Result<int> open_socket(const std::string& host, int port, bool listen_mode) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return fail("bad IPv4 address");
  Fd sock{::socket(AF_INET, SOCK_STREAM, 0)};
  if (sock.fd < 0) return fail("socket failed");
  set_timeout(sock.fd);
  auto* sa = reinterpret_cast<sockaddr*>(&addr);
  if (!listen_mode) {
    if (::connect(sock.fd, sa, sizeof addr) != 0) return fail("connect failed");
    return std::exchange(sock.fd, -1);
  }
  socklen_t len = sizeof addr;
  if (::bind(sock.fd, sa, sizeof addr) != 0 || ::listen(sock.fd, 1) != 0 ||
      ::getsockname(sock.fd, sa, &len) != 0) {
    return fail("bind/listen failed");
  }
  std::printf("listening %d\n", ntohs(addr.sin_port));
  std::fflush(stdout);
  const int conn = ::accept(sock.fd, nullptr, nullptr);  // SO_RCVTIMEO bounds the wait
  if (conn < 0) return fail("accept failed or timed out");
  set_timeout(conn);
  return conn;
}

std::optional<MsePolicy> parse_policy(std::string_view s) {
  if (s == "prefer") return MsePolicy::prefer;
  if (s == "require") return MsePolicy::require;
  if (s == "disable") return MsePolicy::disable;
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s connect|listen HOST PORT INFOHASH_HEX POLICY\n", argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const auto ih = InfoHash::from_v1_hex(argv[4]);
  const auto policy = parse_policy(argv[5]);
  if (!ih || !policy || (mode != "connect" && mode != "listen")) {
    std::fprintf(stderr, "bad arguments\n");
    return 2;
  }
  auto fd = open_socket(argv[2], std::atoi(argv[3]), mode == "listen");
  if (!fd) {
    std::printf("error: %s\n", fd.error().message.c_str());
    return 1;
  }
  Fd owner{*fd};
  const MseSkey skey = ih->wire_id();
  auto result =
      mode == "connect" ? run_initiator(*fd, skey, *policy) : run_receiver(*fd, skey, *policy);
  if (!result) {
    std::printf("error: %s\n", result.error().message.c_str());
    return 1;
  }
  std::printf("%s\n", result->c_str());
  return 0;
}
