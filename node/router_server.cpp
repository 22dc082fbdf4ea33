#include "node/router_server.h"

#include <arpa/inet.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "storage/atomic_file.h"

namespace btnode::node {
namespace {

constexpr unsigned kBatch = 64;
// Deep enough for bursts, shallow enough that an overloaded router drops
// rather than answers 100+ ms late (the kernel doubles it; loopback
// datagrams cost ~1 KiB of it each).
constexpr int kSocketBuffer = 1 << 20;
constexpr std::string_view kMagic = "btnode-router-buffer 1\n";
constexpr std::size_t kMaxStateFile = std::size_t{1} << 31;

sockaddr_storage to_sockaddr(const Endpoint& e, socklen_t& len) {
  sockaddr_storage ss{};
  const std::string_view a = e.address_bytes();
  if (e.is_v4()) {
    auto* s = reinterpret_cast<sockaddr_in*>(&ss);
    s->sin_family = AF_INET;
    s->sin_port = htons(e.port());
    std::memcpy(&s->sin_addr, a.data(), 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
    s->sin6_family = AF_INET6;
    s->sin6_port = htons(e.port());
    std::memcpy(&s->sin6_addr, a.data(), 16);
    len = sizeof(sockaddr_in6);
  }
  return ss;
}

Endpoint from_sockaddr(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    const auto* s = reinterpret_cast<const sockaddr_in*>(&ss);
    Endpoint::V4Bytes b;
    std::memcpy(b.data(), &s->sin_addr, 4);
    return Endpoint::v4(b, ntohs(s->sin_port));
  }
  const auto* s = reinterpret_cast<const sockaddr_in6*>(&ss);
  Endpoint::V6Bytes b;
  std::memcpy(b.data(), &s->sin6_addr, 16);
  return Endpoint::v6(b, ntohs(s->sin6_port)).unmapped();
}

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}
// Steers every datagram of one source address to one socket of the
// SO_REUSEPORT group (the kernel's own choice hashes the 4-tuple, so one
// address using many ports would reach every thread and its per-address rate
// limit would be multiplied by the thread count). A classic BPF program: the
// source address from the IP header (a hash of its four words for IPv6),
// times a golden-ratio constant, high bits, modulo the group size.
bool steer_by_source_address(int fd, bool v6, unsigned sockets) {
  const std::uint32_t net = static_cast<std::uint32_t>(SKF_NET_OFF);
  std::vector<sock_filter> code;
  if (v6) {
    code = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, net + 8),  BPF_STMT(BPF_MISC | BPF_TAX, 0),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, net + 12), BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
        BPF_STMT(BPF_MISC | BPF_TAX, 0),              BPF_STMT(BPF_LD | BPF_W | BPF_ABS, net + 16),
        BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),       BPF_STMT(BPF_MISC | BPF_TAX, 0),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, net + 20), BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0),
    };
  } else {
    code = {BPF_STMT(BPF_LD | BPF_W | BPF_ABS, net + 12)};
  }
  code.push_back(BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 0x9E3779B1u));
  code.push_back(BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 16));
  code.push_back(BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, sockets));
  code.push_back(BPF_STMT(BPF_RET | BPF_A, 0));
  sock_fprog prog{static_cast<unsigned short>(code.size()), code.data()};
  return ::setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof prog) == 0;
}

std::uint32_t get_u32(std::string_view s) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<std::uint8_t>(s[i]);
  return v;
}

}  // namespace

struct RouterServer::Worker {
  Worker(const dht::RouterOptions& o, const dht::RouterRings& rings) : router(o, &rings) {}
  dht::Router router;
  std::vector<int> fds;
  std::thread thread;
  mutable std::mutex mutex;  // guards the published copies below
  dht::RouterStats published;
  std::uint64_t send_failures = 0, published_failures = 0;
};

RouterServer::RouterServer(RouterServerOptions options)
    : options_(std::move(options)),
      rings_(options_.router.capacity_v4, options_.router.capacity_v6) {
  options_.threads = std::clamp(options_.threads, 1u, 256u);
  if (options_.bind.empty()) {
    options_.bind = {Endpoint::v4({0, 0, 0, 0}, 0), Endpoint::v6({}, 0)};
  }
  const unsigned n = options_.threads;
  dht::RouterOptions per = options_.router;
  per.out_per_second = std::max<std::uint32_t>(1, options_.router.out_per_second / n);
  per.out_burst = std::max<std::uint32_t>(1, options_.router.out_burst / n);
  for (unsigned i = 0; i < n; ++i) {
    per.rng_seed = options_.router.rng_seed + 0x9E3779B97F4A7C15ull * (i + 1);
    workers_.push_back(std::make_unique<Worker>(per, rings_));
  }
}

RouterServer::~RouterServer() {
  stop();
  for (auto& w : workers_)
    for (int fd : w->fds) ::close(fd);
}

Result<void> RouterServer::open_sockets() {
  std::uint16_t port = options_.port;
  for (const Endpoint& b : options_.bind) {
    bool bound_any = false;
    for (auto& w : workers_) {
      const int fd = ::socket(b.is_v4() ? AF_INET : AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
      if (fd < 0) return fail("cannot open UDP socket for " + b.to_string() + ": " + std::strerror(errno));
      const int one = 1;
      if (options_.threads > 1) ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
      if (b.is_v6()) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
      // DF set, path MTU ignored: replies are far below any MTU, and the
      // kernel then skips the hashed IP id per datagram (3.5% of the
      // router's CPU in a profile).
      const int probe = IP_PMTUDISC_PROBE;
      if (b.is_v4()) ::setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &probe, sizeof probe);
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &kSocketBuffer, sizeof kSocketBuffer);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &kSocketBuffer, sizeof kSocketBuffer);
      socklen_t len;
      sockaddr_storage ss = to_sockaddr(b.with_port(port), len);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
        const int err = errno;
        ::close(fd);
        // The IPv6 wildcard on a host without IPv6 is not worth failing for.
        if (b.is_v6() && b.is_unspecified() && !bound_any &&
            (err == EAFNOSUPPORT || err == EADDRNOTAVAIL)) {
          spdlog::warn("no IPv6: not listening on {}", b.with_port(port).to_string());
          break;
        }
        return fail("cannot bind UDP " + b.with_port(port).to_string() + ": " + std::strerror(err));
      }
      len = sizeof ss;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
      const Endpoint local = from_sockaddr(ss);
      if (port == 0) port = local.port();  // the other threads join this port
      if (!bound_any) local_.push_back(b.is_v6() && b.is_unspecified() ? b.with_port(port) : local);
      bound_any = true;
      w->fds.push_back(fd);
    }
    // One program for the group, attached through any of its sockets.
    if (bound_any && options_.threads > 1) {
      const int fd = workers_.back()->fds.back();
      if (!steer_by_source_address(fd, b.is_v6(), options_.threads))
        spdlog::warn("udp {}: cannot steer sources to threads ({}); the per-address rate limit "
                     "then holds per thread",
                     b.with_port(port).to_string(), std::strerror(errno));
    }
  }
  if (local_.empty()) return fail("no socket could be bound");
  return {};
}

std::string RouterServer::encode_buffer(const NodeId& id, const dht::RouterRings& rings) {
  std::string v4, v6;
  rings.v4.save(v4);
  rings.v6.save(v6);
  std::string out(kMagic);
  out.append(id.view());
  put_u32(out, static_cast<std::uint32_t>(v4.size() / dht::NodeRingV4::kEntrySize));
  put_u32(out, static_cast<std::uint32_t>(v6.size() / dht::NodeRingV6::kEntrySize));
  out += v4;
  out += v6;
  return out;
}

Result<RouterServer::Buffer> RouterServer::decode_buffer(std::string_view bytes) {
  if (!bytes.starts_with(kMagic) || bytes.size() < kMagic.size() + 28)
    return fail("not a btnode router buffer");
  bytes.remove_prefix(kMagic.size());
  Buffer b;
  b.id = *NodeId::from_bytes(bytes.substr(0, 20));
  const std::uint64_t n4 = get_u32(bytes.substr(20, 4));
  const std::uint64_t n6 = get_u32(bytes.substr(24, 4));
  bytes.remove_prefix(28);
  if (bytes.size() != n4 * dht::NodeRingV4::kEntrySize + n6 * dht::NodeRingV6::kEntrySize)
    return fail("router buffer: counts do not match the size");
  b.v4 = std::string(bytes.substr(0, n4 * dht::NodeRingV4::kEntrySize));
  b.v6 = std::string(bytes.substr(b.v4.size()));
  return b;
}

Result<void> RouterServer::load() {
  if (options_.state_file.empty()) return {};
  auto file = storage::read_small_file(options_.state_file, kMaxStateFile);
  if (!file) return fail(file.error());
  if (!*file) return {};
  auto buffer = decode_buffer(**file);
  if (!buffer) {
    // A service that refused to start over a damaged cache would restart
    // in a loop; the buffer refills from traffic within minutes.
    spdlog::warn("{}: {}; starting with an empty buffer", options_.state_file.string(),
                 buffer.error().message);
    return {};
  }
  if (auto r = rings_.v4.load(buffer->v4); !r) return r;
  if (auto r = rings_.v6.load(buffer->v6); !r) return r;
  const std::size_t k = rings_.v4.size() + rings_.v6.size();
  loaded_ = k;
  return {};
}

Result<void> RouterServer::start() {
  if (started_) return fail("router server already started");
  if (auto r = open_sockets(); !r) return r;
  if (auto r = load(); !r) return r;
  started_ = true;
  for (auto& w : workers_) {
    Worker* worker = w.get();
    worker->thread = std::thread([this, worker] { run(*worker); });
  }
  return {};
}

void RouterServer::stop() {
  stopping_ = true;
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
}

void RouterServer::run(Worker& w) {
  struct In {
    std::array<std::uint8_t, dht::kMaxDatagramSize + 1> bytes;
    sockaddr_storage from;
  };
  std::vector<In> in(kBatch);
  std::vector<mmsghdr> rmsg(kBatch), smsg(kBatch * dht::Router::kMaxOutputs);
  std::vector<iovec> riov(kBatch), siov(smsg.size());
  std::vector<sockaddr_storage> to(smsg.size());
  std::vector<dht::RouterDatagram> out(smsg.size());
  std::vector<pollfd> pfds;
  for (int fd : w.fds) pfds.push_back({fd, POLLIN, 0});
  auto last_publish = std::chrono::steady_clock::now();

  while (!stopping_.load(std::memory_order_relaxed)) {
    const int ready = ::poll(pfds.data(), pfds.size(), 100);
    for (std::size_t s = 0; ready > 0 && s < pfds.size(); ++s) {
      if (!(pfds[s].revents & POLLIN)) continue;
      const int fd = pfds[s].fd;
      // Drain the socket, but come back to the stop flag now and then.
      for (int round = 0; round < 64; ++round) {
        for (unsigned k = 0; k < kBatch; ++k) {
          riov[k] = {in[k].bytes.data(), in[k].bytes.size()};
          rmsg[k].msg_hdr = {};
          rmsg[k].msg_hdr.msg_name = &in[k].from;
          rmsg[k].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
          rmsg[k].msg_hdr.msg_iov = &riov[k];
          rmsg[k].msg_hdr.msg_iovlen = 1;
        }
        const int got = ::recvmmsg(fd, rmsg.data(), kBatch, MSG_DONTWAIT, nullptr);
        if (got <= 0) break;
        const auto now = std::chrono::steady_clock::now();
        std::size_t n_out = 0;
        {
          std::shared_lock lock(rings_mutex_);
          for (int k = 0; k < got; ++k) {
            const std::size_t len = rmsg[k].msg_len;
            // Oversized datagrams (truncated into the buffer) are not DHT traffic.
            if (len > dht::kMaxDatagramSize || (rmsg[k].msg_hdr.msg_flags & MSG_TRUNC)) continue;
            n_out += w.router.on_packet({in[k].bytes.data(), len}, from_sockaddr(in[k].from),
                                        now, std::span(out).subspan(n_out));
          }
        }
        insert_verified(w.router);
        for (std::size_t k = 0; k < n_out; ++k) {
          socklen_t tl;
          to[k] = to_sockaddr(out[k].to, tl);
          siov[k] = {out[k].bytes.data(), out[k].size};
          smsg[k].msg_hdr = {};
          smsg[k].msg_hdr.msg_name = &to[k];
          smsg[k].msg_hdr.msg_namelen = tl;
          smsg[k].msg_hdr.msg_iov = &siov[k];
          smsg[k].msg_hdr.msg_iovlen = 1;
        }
        std::size_t sent = 0;
        while (sent < n_out) {
          const int r = ::sendmmsg(fd, smsg.data() + sent, static_cast<unsigned>(n_out - sent), MSG_DONTWAIT);
          if (r <= 0) {
            // Full buffer or an unreachable destination: drop one, go on.
            ++w.send_failures;
            ++sent;
            continue;
          }
          sent += static_cast<std::size_t>(r);
        }
        if (got < static_cast<int>(kBatch)) break;
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (now - last_publish > std::chrono::milliseconds(200)) {
      last_publish = now;
      std::lock_guard lock(w.mutex);
      w.published = w.router.stats();
      w.published_failures = w.send_failures;
    }
  }
  std::lock_guard lock(w.mutex);
  w.published = w.router.stats();
  w.published_failures = w.send_failures;
}

void RouterServer::insert_verified(dht::Router& router) {
  if (router.pending().empty()) return;
  {
    std::unique_lock lock(rings_mutex_);
    for (const dht::VerifiedNode& n : router.pending()) {
      if (n.v6) {
        dht::NodeRingV6::Entry e;
        std::memcpy(e.data(), n.entry.data(), e.size());
        rings_.v6.push(e);
      } else {
        dht::NodeRingV4::Entry e;
        std::memcpy(e.data(), n.entry.data(), e.size());
        rings_.v4.push(e);
      }
    }
  }
  router.clear_pending();
}

RouterServerStats RouterServer::stats() const {
  RouterServerStats s;
  for (const auto& w : workers_) {
    std::lock_guard lock(w->mutex);
    s.router += w->published;
    s.send_failures += w->published_failures;
  }
  std::shared_lock lock(rings_mutex_);
  s.nodes_v4 = rings_.v4.size();
  s.nodes_v6 = rings_.v6.size();
  s.capacity_v4 = rings_.v4.capacity();
  s.capacity_v6 = rings_.v6.capacity();
  return s;
}

Result<std::size_t> RouterServer::save() const {
  if (options_.state_file.empty()) return std::size_t{0};
  std::string bytes;
  std::size_t n;
  {
    std::shared_lock lock(rings_mutex_);
    bytes = encode_buffer(id(), rings_);
    n = rings_.v4.size() + rings_.v6.size();
  }
  std::error_code ec;
  std::filesystem::create_directories(options_.state_file.parent_path(), ec);
  if (auto r = storage::write_file_atomically(options_.state_file, bytes); !r)
    return fail(r.error());
  return n;
}

}  // namespace btnode::node
