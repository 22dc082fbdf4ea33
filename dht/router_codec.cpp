#include "dht/router_codec.h"

namespace btnode::dht {
namespace {

constexpr int kMaxDepth = 16;  // nesting the skipper follows before giving up
constexpr std::size_t kMaxTid = 16;

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> d)
      : p_(reinterpret_cast<const char*>(d.data())), end_(p_ + d.size()) {}

  bool at(char c) const { return p_ < end_ && *p_ == c; }
  bool done() const { return p_ == end_; }
  bool take(char c) {
    if (!at(c)) return false;
    ++p_;
    return true;
  }

  // A bencoded string; no leading zeros beyond "0", length within the datagram.
  bool string(std::string_view& out) {
    if (p_ >= end_ || *p_ < '0' || *p_ > '9') return false;
    std::size_t n = 0;
    const char* start = p_;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      n = n * 10 + static_cast<std::size_t>(*p_ - '0');
      if (n > static_cast<std::size_t>(end_ - p_)) return false;
      ++p_;
    }
    if (p_ - start > 1 && *start == '0') return false;
    if (!take(':') || n > static_cast<std::size_t>(end_ - p_)) return false;
    out = std::string_view(p_, n);
    p_ += n;
    return true;
  }

  // An integer's value, saturated; syntax checked (i-0e and leading zeros refused).
  bool integer(std::int64_t& out) {
    if (!take('i')) return false;
    const bool neg = take('-');
    const char* start = p_;
    std::int64_t v = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      if (v < (std::int64_t{1} << 56)) v = v * 10 + (*p_ - '0');
      ++p_;
    }
    const std::ptrdiff_t digits = p_ - start;
    if (digits == 0 || (digits > 1 && *start == '0') || (neg && *start == '0')) return false;
    out = neg ? -v : v;
    return take('e');
  }

  bool skip(int depth) {
    if (depth > kMaxDepth || p_ >= end_) return false;
    std::string_view s;
    std::int64_t i;
    switch (*p_) {
      case 'i':
        return integer(i);
      case 'l':
        ++p_;
        while (!at('e'))
          if (!skip(depth + 1)) return false;
        return take('e');
      case 'd':
        ++p_;
        while (!at('e'))
          if (!string(s) || !skip(depth + 1)) return false;
        return take('e');
      default:
        return string(s);
    }
  }

  bool want_list(RouterPacket& m) {
    if (!take('l')) return false;
    m.has_want = true;
    std::string_view s;
    while (!at('e')) {
      if (!string(s)) return false;
      if (s == "n4") m.want_n4 = true;
      if (s == "n6") m.want_n6 = true;
    }
    return take('e');
  }

  // The `a` or `r` dictionary.
  bool args(RouterPacket& m) {
    if (!take('d')) return false;
    std::string_view key;
    while (!at('e')) {
      if (!string(key)) return false;
      bool ok;
      if (key == "id") {
        ok = string(m.id) && m.id.size() == 20;
      } else if (key == "target" || key == "info_hash") {
        ok = string(m.target) && m.target.size() == 20;
      } else if (key == "want") {
        ok = want_list(m);
      } else if (key == "bs" && at('i')) {
        std::int64_t v = 0;
        ok = integer(v);
        m.bootstrap = v == 1;
      } else {
        ok = skip(2);
      }
      if (!ok) return false;
    }
    return take('e');
  }

 private:
  const char* p_;
  const char* end_;
};

RouterMethod method_of(std::string_view q) {
  if (q == "ping") return RouterMethod::ping;
  if (q == "find_node") return RouterMethod::find_node;
  if (q == "get_peers") return RouterMethod::get_peers;
  if (q == "announce_peer") return RouterMethod::announce_peer;
  return RouterMethod::other;
}

bool complete(const RouterPacket& m, bool has_q, bool has_body) {
  if (m.transaction_id.empty() || m.transaction_id.size() > kMaxTid) return false;
  if (m.type == 'e') return true;
  if (m.type == 'r') return has_body && !m.id.empty();
  if (m.type != 'q' || !has_q || !has_body || m.id.empty()) return false;
  const bool needs_target =
      m.method == RouterMethod::find_node || m.method == RouterMethod::get_peers;
  return !needs_target || !m.target.empty();
}

}  // namespace

std::optional<RouterPacket> parse_router_packet(std::span<const std::uint8_t> datagram) {
  Reader r(datagram);
  RouterPacket m;
  if (!r.take('d')) return std::nullopt;
  bool has_q = false, has_body = false;
  std::string_view key, value;
  while (!r.at('e')) {
    if (!r.string(key)) return std::nullopt;
    bool ok = true;
    if (key == "t") {
      ok = r.string(m.transaction_id);
    } else if (key == "y") {
      ok = r.string(value) && value.size() == 1;
      if (ok) m.type = value[0];
    } else if (key == "q") {
      ok = r.string(value);
      if (ok) m.method = method_of(value);
      has_q = true;
    } else if (key == "a" || key == "r") {
      ok = r.args(m);
      has_body = true;
    } else if (key == "ro") {
      std::int64_t v = 0;
      ok = r.integer(v);
      m.read_only = v == 1;
    } else {
      ok = r.skip(1);
    }
    if (!ok) return std::nullopt;
  }
  if (!r.take('e') || !r.done()) return std::nullopt;
  if (!complete(m, has_q, has_body)) return std::nullopt;
  return m;
}

}  // namespace btnode::dht
