// dht-load: a bounded KRPC load generator for DHT router nodes over loopback
// (CLI.md, "Developer tools").
//
// Sends ping / find_node / get_peers queries to one server, each from one of
// --sources addresses in 127.0.0.0/8 (chosen per datagram with IP_PKTINFO on
// wildcard-bound sockets), open loop at --rate or closed loop with --window
// queries outstanding, in sendmmsg batches; replies come back in recvmmsg
// batches and are matched on a 4-byte transaction id (a sequence number that
// indexes a ring of send times), so latency costs one array access. Queries
// are patched into pre-encoded templates: per query only the id, target and
// transaction id change. Refuses anything outside 127/8 and always stops:
// --duration bounds sending, --drain the wait for late replies.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

constexpr int kExitOk = 0, kExitFailed = 1, kExitUsage = 2;
constexpr std::uint32_t kRing = 1u << 21;  // outstanding queries tracked (2M)

struct Options {
  std::string target;
  double rate = 0;  // 0: closed loop
  int window = 256;
  double duration = 10, warmup = 1, drain = 1, timeout = 2;
  std::uint32_t sources = 4096;
  std::string source_base = "127.64.0.1";
  int sockets = 4, batch = 64;
  std::string mix = "1:1:1";  // find_node:get_peers:ping
  bool read_only = false, answer = false, json = false, quiet = false;
  int server_pid = 0;
};

volatile std::sig_atomic_t g_stop = 0;

std::uint64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::uint64_t(ts.tv_sec) * 1'000'000'000ull + std::uint64_t(ts.tv_nsec);
}

struct Rng {  // xorshift64*
  std::uint64_t s;
  std::uint64_t operator()() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1Dull;
  }
};

// One query type, pre-encoded; offsets of the fields patched per query.
struct Template {
  std::string bytes;
  std::size_t id_at = 0, target_at = std::string::npos, tid_at = 0;
};

Template make_template(int type, bool ro) {
  Template t;
  std::string s = "d1:ad2:id20:";
  t.id_at = s.size();
  s += std::string(20, '\0');
  if (type == 0 || type == 1) {
    s += type == 0 ? "6:target20:" : "9:info_hash20:";
    t.target_at = s.size();
    s += std::string(20, '\0');
    s += type == 0 ? "e1:q9:find_node" : "e1:q9:get_peers";
  } else {
    s += "e1:q4:ping";
  }
  if (ro) s += "2:roi1e";
  s += "1:t4:";
  t.tid_at = s.size();
  s += "xxxx1:y1:qe";
  t.bytes = s;
  return t;
}

// A KRPC reply's y and t, found by a bounded scan of the top-level keys we
// emit ourselves: "1:t4:" and "1:y1:" (every server puts them in the outer
// dict; a reply that hides them is counted as malformed).
bool find_reply(const char* p, std::size_t n, char& y, std::uint32_t& seq) {
  if (n < 12 || p[0] != 'd') return false;
  const std::string_view v(p, n);
  const auto yi = v.rfind("1:y1:");
  const auto ti = v.rfind("1:t4:");
  if (yi == std::string_view::npos || ti == std::string_view::npos || yi + 5 >= n ||
      ti + 9 > n)
    return false;
  y = p[yi + 5];
  std::memcpy(&seq, p + ti + 5, 4);
  return true;
}

struct CpuTimes {
  double server = -1, self = 0;
};

double process_cpu_s(int pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE* f = std::fopen(path, "r");
  if (!f) return -1;
  char buf[1024];
  const std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');
  if (!p) return -1;
  unsigned long long ut = 0, st = 0;
  // Fields after ")": state(3) ... utime(14) stime(15).
  if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
    return -1;
  return double(ut + st) / double(sysconf(_SC_CLK_TCK));
}

CpuTimes cpu_now(int pid) {
  CpuTimes c;
  if (pid > 0) c.server = process_cpu_s(pid);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  c.self = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
  return c;
}

struct Slot {
  std::uint64_t sent_ns = 0;
  std::uint32_t seq = ~0u;
  std::uint8_t state = 0;  // 0 free, 1 outstanding, 2 done
  std::uint8_t in_window = 0;
};

int run(const Options& o, sockaddr_in server, std::uint32_t src_base) {
  std::array<int, 3> w{1, 1, 1};
  if (std::sscanf(o.mix.c_str(), "%d:%d:%d", &w[0], &w[1], &w[2]) != 3 || w[0] < 0 || w[1] < 0 ||
      w[2] < 0 || w[0] + w[1] + w[2] == 0) {
    std::cerr << "dht-load: --mix wants F:G:P weights, got '" << o.mix << "'\n";
    return kExitUsage;
  }
  const int wsum = w[0] + w[1] + w[2];
  std::array<Template, 3> templates{make_template(0, o.read_only), make_template(1, o.read_only),
                                    make_template(2, o.read_only)};
  Rng rng{0x9E3779B97F4A7C15ull ^ (std::uint64_t(getpid()) << 20) ^ now_ns()};
  // Each source keeps one node id, as a real node would.
  std::vector<std::array<std::uint8_t, 20>> ids(o.sources);
  for (auto& id : ids)
    for (auto& b : id) b = static_cast<std::uint8_t>(rng());

  std::vector<int> fds;
  std::vector<std::uint16_t> ports;
  const int ep = epoll_create1(0);
  for (int s = 0; s < o.sockets; ++s) {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0) return std::perror("socket"), kExitFailed;
    const int one = 1, big = 8 << 20;
    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    sockaddr_in b{};
    b.sin_family = AF_INET;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&b), sizeof b) != 0)
      return std::perror("bind"), kExitFailed;
    socklen_t bl = sizeof b;
    getsockname(fd, reinterpret_cast<sockaddr*>(&b), &bl);
    ports.push_back(ntohs(b.sin_port));
    fds.push_back(fd);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<std::uint32_t>(s);
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  }

  std::vector<Slot> ring(kRing);
  const int B = o.batch;
  union Control {
    cmsghdr h;
    char b[CMSG_SPACE(sizeof(in_pktinfo))];
  };
  std::vector<std::array<char, 160>> sbuf(B);
  std::vector<std::array<char, 2048>> rbuf(B);
  std::vector<mmsghdr> smsg(B), rmsg(B);
  std::vector<iovec> siov(B), riov(B);
  std::vector<Control> scm(B), rcm(B);
  std::vector<sockaddr_in> rfrom(B);
  for (int k = 0; k < B; ++k) {
    smsg[k].msg_hdr.msg_name = &server;
    smsg[k].msg_hdr.msg_namelen = sizeof server;
    smsg[k].msg_hdr.msg_iov = &siov[k];
    smsg[k].msg_hdr.msg_iovlen = 1;
    smsg[k].msg_hdr.msg_control = scm[k].b;
    smsg[k].msg_hdr.msg_controllen = sizeof scm[k].b;
    cmsghdr* c = CMSG_FIRSTHDR(&smsg[k].msg_hdr);
    c->cmsg_level = IPPROTO_IP;
    c->cmsg_type = IP_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
  }

  std::uint64_t sent = 0, sent_w = 0, answered = 0, answered_w = 0, errors = 0, malformed = 0,
                unmatched = 0, late = 0, lost = 0, server_queries = 0, answered_back = 0,
                send_short = 0;
  std::vector<std::uint32_t> lat_us;
  lat_us.reserve(std::size_t(std::min(4e7, (o.rate > 0 ? o.rate : 4e5) * o.duration * 1.1)));
  std::uint64_t outstanding = 0;
  std::uint32_t oldest = 0, next_seq = 0;
  const std::uint64_t t0 = now_ns();
  const auto at = [&](double s) { return t0 + std::uint64_t(s * 1e9); };
  const std::uint64_t t_w0 = at(o.warmup), t_end = at(o.duration),
                      t_hard = at(o.duration + o.drain);
  const std::uint64_t timeout_ns = std::uint64_t(o.timeout * 1e9);
  CpuTimes cpu0, cpu1;
  bool in_window = false, window_done = false;
  std::uint64_t t_w1 = t_end;
  std::uint64_t next_tick = t0 + 1'000'000'000ull, tick_sent = 0, tick_answered = 0;
  int sock_rr = 0;
  std::array<char, 128> answer_buf;

  for (;;) {
    std::uint64_t tn = now_ns();
    if (g_stop || tn >= t_hard) break;
    if (!in_window && tn >= t_w0) {
      in_window = true;
      cpu0 = cpu_now(o.server_pid);
    }
    const bool sending = tn < t_end;
    if (!sending && !window_done) {
      window_done = true;
      t_w1 = tn;
      cpu1 = cpu_now(o.server_pid);
    }
    if (!sending && outstanding == 0) break;

    // Expire queries past the timeout (and keep the ring from wrapping).
    while (oldest != next_seq) {
      Slot& s = ring[oldest & (kRing - 1)];
      if (s.state == 1) {
        if (tn - s.sent_ns < timeout_ns && next_seq - oldest < kRing - 2 * B) break;
        s.state = 0;
        --outstanding;
        ++lost;
      }
      ++oldest;
    }

    int wait_ms = 1;
    if (sending) {
      std::uint64_t n = B;
      if (o.rate > 0) {
        const std::uint64_t due = std::uint64_t(double(tn - t0) * 1e-9 * o.rate) + 1;
        n = due > sent ? std::min<std::uint64_t>(due - sent, B) : 0;
      }
      if (o.window > 0)
        n = std::min<std::uint64_t>(n, outstanding < std::uint64_t(o.window)
                                           ? std::uint64_t(o.window) - outstanding
                                           : 0);
      n = std::min<std::uint64_t>(n, kRing - 2 * B - (next_seq - oldest));
      if (n > 0) {
        const int sidx = sock_rr;
        sock_rr = (sock_rr + 1) % o.sockets;
        const bool inw = tn >= t_w0;
        for (std::uint64_t k = 0; k < n; ++k) {
          const std::uint32_t seq = next_seq + std::uint32_t(k);
          const std::uint64_t g = sent + k;
          const std::uint32_t src = std::uint32_t(g % o.sources);
          const int r = int(g % std::uint64_t(wsum));
          const int type = r < w[0] ? 0 : r < w[0] + w[1] ? 1 : 2;
          const Template& t = templates[type];
          char* b = sbuf[k].data();
          std::memcpy(b, t.bytes.data(), t.bytes.size());
          std::memcpy(b + t.id_at, ids[src].data(), 20);
          if (t.target_at != std::string::npos) {
            const std::uint64_t x = rng(), y = rng();
            std::memcpy(b + t.target_at, &x, 8);
            std::memcpy(b + t.target_at + 8, &y, 8);
            std::memcpy(b + t.target_at + 16, &x, 4);
          }
          std::memcpy(b + t.tid_at, &seq, 4);
          siov[k] = {b, t.bytes.size()};
          in_pktinfo pi{};
          pi.ipi_spec_dst.s_addr = htonl(src_base + src);
          std::memcpy(CMSG_DATA(CMSG_FIRSTHDR(&smsg[k].msg_hdr)), &pi, sizeof pi);
          Slot& s = ring[seq & (kRing - 1)];
          s = Slot{tn, seq, 1, static_cast<std::uint8_t>(inw)};
        }
        int rc = sendmmsg(fds[sidx], smsg.data(), unsigned(n), MSG_DONTWAIT);
        if (rc < 0) rc = 0;
        for (std::uint64_t k = std::uint64_t(rc); k < n; ++k) ring[(next_seq + k) & (kRing - 1)].state = 0;
        if (std::uint64_t(rc) < n) ++send_short;
        next_seq += std::uint32_t(rc);
        sent += std::uint64_t(rc);
        tick_sent += std::uint64_t(rc);
        outstanding += std::uint64_t(rc);
        if (inw) sent_w += std::uint64_t(rc);
        wait_ms = n == std::uint64_t(B) ? 0 : wait_ms;
      }
      if (o.window > 0 && outstanding < std::uint64_t(o.window)) wait_ms = 0;
      if (o.rate > 0 && double(now_ns() - t0) * 1e-9 * o.rate >= double(sent + 1)) wait_ms = 0;
    }

    epoll_event evs[16];
    const int ne = epoll_wait(ep, evs, 16, wait_ms);
    for (int i = 0; i < ne; ++i) {
      const int sidx = int(evs[i].data.u32);
      for (int round = 0; round < 16; ++round) {
        for (int k = 0; k < B; ++k) {
          riov[k] = {rbuf[k].data(), rbuf[k].size()};
          rmsg[k].msg_hdr = {};
          rmsg[k].msg_hdr.msg_name = &rfrom[k];
          rmsg[k].msg_hdr.msg_namelen = sizeof(sockaddr_in);
          rmsg[k].msg_hdr.msg_iov = &riov[k];
          rmsg[k].msg_hdr.msg_iovlen = 1;
          rmsg[k].msg_hdr.msg_control = rcm[k].b;
          rmsg[k].msg_hdr.msg_controllen = sizeof rcm[k].b;
        }
        const int got = recvmmsg(fds[sidx], rmsg.data(), unsigned(B), MSG_DONTWAIT, nullptr);
        if (got <= 0) break;
        const std::uint64_t tr = now_ns();
        for (int k = 0; k < got; ++k) {
          char y;
          std::uint32_t seq;
          const char* p = rbuf[k].data();
          const std::size_t len = rmsg[k].msg_len;
          if (len >= 12 && std::string_view(p, len).ends_with("1:y1:qe")) {
            ++server_queries;  // a verification ping from the server
            if (!o.answer) continue;
            // Answer as the source it was sent to, so the server can verify it.
            std::uint32_t dst = 0;
            for (cmsghdr* c = CMSG_FIRSTHDR(&rmsg[k].msg_hdr); c; c = CMSG_NXTHDR(&rmsg[k].msg_hdr, c))
              if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                in_pktinfo pi;
                std::memcpy(&pi, CMSG_DATA(c), sizeof pi);
                dst = ntohl(pi.ipi_addr.s_addr);
              }
            const std::string_view v(p, len);
            const auto ti = v.find("1:t");
            const auto colon = ti == std::string_view::npos ? ti : v.find(':', ti + 3);
            if (colon == std::string_view::npos || dst < src_base || dst - src_base >= o.sources) continue;
            const std::size_t tl = std::size_t(std::atoi(p + ti + 3));
            if (tl == 0 || tl > 16 || colon + 1 + tl > len) continue;
            std::string a = "d1:rd2:id20:";
            a.append(reinterpret_cast<const char*>(ids[dst - src_base].data()), 20);
            a += "e1:t" + std::to_string(tl) + ":";
            a.append(p + colon + 1, tl);
            a += "1:y1:re";
            std::memcpy(answer_buf.data(), a.data(), std::min(a.size(), answer_buf.size()));
            msghdr h{};
            iovec v2{answer_buf.data(), a.size()};
            Control cm{};
            h.msg_name = &rfrom[k];
            h.msg_namelen = sizeof(sockaddr_in);
            h.msg_iov = &v2;
            h.msg_iovlen = 1;
            h.msg_control = cm.b;
            h.msg_controllen = sizeof cm.b;
            cmsghdr* c = CMSG_FIRSTHDR(&h);
            c->cmsg_level = IPPROTO_IP;
            c->cmsg_type = IP_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof(in_pktinfo));
            in_pktinfo pi{};
            pi.ipi_spec_dst.s_addr = htonl(dst);
            std::memcpy(CMSG_DATA(c), &pi, sizeof pi);
            if (sendmsg(fds[sidx], &h, MSG_DONTWAIT) > 0) ++answered_back;
            continue;
          }
          if (!find_reply(p, len, y, seq) || (y != 'r' && y != 'e')) {
            ++malformed;
            continue;
          }
          Slot& s = ring[seq & (kRing - 1)];
          if (s.seq != seq || s.state == 0) {
            ++(s.seq == seq ? late : unmatched);
            continue;
          }
          if (s.state == 2) {
            ++unmatched;
            continue;
          }
          s.state = 2;
          --outstanding;
          if (y == 'e') {
            ++errors;
            continue;
          }
          ++answered;
          ++tick_answered;
          if (s.in_window && tr <= t_w1) {
            ++answered_w;
            lat_us.push_back(std::uint32_t(std::min<std::uint64_t>((tr - s.sent_ns) / 1000, ~0u)));
          }
        }
        if (got < B) break;
      }
    }
    if (!o.quiet && !o.json && now_ns() >= next_tick) {
      std::fprintf(stderr, "[%5.1fs] sent/s %8llu  answered/s %8llu  outstanding %6llu  lost %llu\n",
                   double(now_ns() - t0) * 1e-9, (unsigned long long)tick_sent,
                   (unsigned long long)tick_answered, (unsigned long long)outstanding,
                   (unsigned long long)lost);
      tick_sent = tick_answered = 0;
      next_tick += 1'000'000'000ull;
    }
  }
  if (!window_done) {
    t_w1 = now_ns();
    cpu1 = cpu_now(o.server_pid);
  }
  if (!in_window) cpu0 = cpu1;
  lost += outstanding;

  const double W = std::max(1e-9, double(t_w1 - std::min(t_w1, t_w0)) * 1e-9);
  std::sort(lat_us.begin(), lat_us.end());
  const auto pct = [&](double q) {
    if (lat_us.empty()) return 0.0;
    return lat_us[std::min(lat_us.size() - 1, std::size_t(q * double(lat_us.size() - 1) + 0.5))] / 1000.0;
  };
  const double server_cpu = o.server_pid > 0 ? cpu1.server - cpu0.server : -1;
  nlohmann::json j{{"target", o.target},
                   {"mode", o.rate > 0 ? "open" : "closed"},
                   {"offered_per_s", o.rate},
                   {"window", o.rate > 0 ? 0 : o.window},
                   {"sources", o.sources},
                   {"sent", sent},
                   {"answered", answered},
                   {"errors", errors},
                   {"lost", lost},
                   {"late", late},
                   {"unmatched", unmatched},
                   {"malformed", malformed},
                   {"send_short", send_short},
                   {"server_queries", server_queries},
                   {"server_queries_answered", answered_back},
                   {"window_s", W},
                   {"sent_per_s", double(sent_w) / W},
                   {"answered_per_s", double(answered_w) / W},
                   {"latency_ms_p50", pct(0.50)},
                   {"latency_ms_p90", pct(0.90)},
                   {"latency_ms_p99", pct(0.99)},
                   {"latency_ms_max", lat_us.empty() ? 0.0 : lat_us.back() / 1000.0},
                   {"load_cpu_share", (cpu1.self - cpu0.self) / W}};
  if (o.server_pid > 0) {
    j["server_cpu_s"] = server_cpu;
    j["server_cpu_share"] = server_cpu / W;
    j["server_cpu_us_per_answer"] = answered_w ? server_cpu * 1e6 / double(answered_w) : 0.0;
  }
  if (o.json) {
    std::cout << j.dump() << std::endl;
  } else {
    std::cout << j.dump(2) << std::endl;
  }
  for (int fd : fds) ::close(fd);
  ::close(ep);
  return kExitOk;
}

bool parse_target(const std::string& text, sockaddr_in& out) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  out = {};
  out.sin_family = AF_INET;
  const int port = std::atoi(text.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return false;
  out.sin_port = htons(std::uint16_t(port));
  return inet_pton(AF_INET, text.substr(0, colon).c_str(), &out.sin_addr) == 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"dht-load: a bounded KRPC load generator for a DHT router on loopback", "dht-load"};
  app.add_option("--target", o.target, "server HOST:PORT (IPv4, in 127.0.0.0/8)")->required();
  app.add_option("--rate", o.rate, "open loop: queries/s (0: closed loop, see --window)")
      ->check(CLI::Range(0.0, 1e8));
  app.add_option("--window", o.window, "closed loop: queries outstanding (default 256)")
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--duration", o.duration, "seconds of sending (at most 600)")
      ->check(CLI::Range(0.1, 600.0));
  app.add_option("--warmup", o.warmup, "first seconds left out of the figures");
  app.add_option("--drain", o.drain, "seconds to wait for late replies")->check(CLI::Range(0.0, 30.0));
  app.add_option("--timeout", o.timeout, "a query unanswered this long is lost")
      ->check(CLI::Range(0.001, 10.0));
  app.add_option("--sources", o.sources, "source addresses, used round robin")
      ->check(CLI::Range(1u, 1u << 22));
  app.add_option("--source-base", o.source_base, "first source address (default 127.64.0.1)");
  app.add_option("--sockets", o.sockets, "sockets (source ports)")->check(CLI::Range(1, 256));
  app.add_option("--batch", o.batch, "sendmmsg/recvmmsg batch")->check(CLI::Range(1, 256));
  app.add_option("--mix", o.mix, "weights find_node:get_peers:ping (default 1:1:1)");
  app.add_flag("--ro", o.read_only, "send ro=1 (BEP 43 read-only) queries");
  app.add_flag("--answer", o.answer, "answer the server's verification pings");
  app.add_option("--server-pid", o.server_pid, "report this process's CPU time per answer");
  app.add_flag("--quiet", o.quiet, "no per-second lines on stderr");
  app.add_flag("--json", o.json, "one JSON object on stdout");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  sockaddr_in server{};
  if (!parse_target(o.target, server)) {
    std::cerr << "dht-load: --target wants IPv4:PORT, got '" << o.target << "'\n";
    return kExitUsage;
  }
  in_addr base{};
  if (inet_pton(AF_INET, o.source_base.c_str(), &base) != 1) {
    std::cerr << "dht-load: --source-base is not an IPv4 address\n";
    return kExitUsage;
  }
  const std::uint32_t src = ntohl(base.s_addr);
  const std::uint64_t last = std::uint64_t(src) + o.sources - 1;
  // Loopback only: this tool must never load a host on a real network.
  if ((ntohl(server.sin_addr.s_addr) >> 24) != 127 || (src >> 24) != 127 || (last >> 24) != 127 ||
      (last & 0xffffff) == 0xffffff) {
    std::cerr << "dht-load: refusing: target and sources must be in 127.0.0.0/8\n";
    return kExitUsage;
  }
  if (o.warmup >= o.duration) o.warmup = 0;
  if (o.rate > 0 && !app.count("--window")) o.window = 0;  // open loop: no cap unless asked
  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  return run(o, server, src);
}
