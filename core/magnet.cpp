#include "core/magnet.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <utility>

#include "core/percent.h"

namespace btnode {
namespace {

constexpr std::string_view kScheme = "magnet:?";
constexpr std::string_view kBtih = "urn:btih:";  // BEP 9
constexpr std::string_view kBtmh = "urn:btmh:";  // BEP 9 v2 / BEP 52
// Multihash header: function 0x12 (sha2-256), digest length 0x20.
constexpr std::string_view kSha256Multihash = "1220";

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
           return lower(a) == lower(b);
         });
}

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "tr.1" -> "tr": numbered keys are common in links made by older clients.
std::string_view base_key(std::string_view key) {
  auto dot = key.rfind('.');
  if (dot != std::string_view::npos && is_digits(key.substr(dot + 1))) return key.substr(0, dot);
  return key;
}

// `pos` is where `raw` starts in the link, for the error message.
Result<std::string> decode_value(std::string_view raw, std::size_t pos) {
  std::size_t bad = 0;
  auto out = percent_decode(raw, &bad);
  if (!out) return fail("magnet: bad percent-escape at position " + std::to_string(pos + bad));
  return std::move(*out);
}

// Calls fn(field, offset) for each `sep`-separated field of `s`, empty ones
// included, and stops at the first error.
template <class Fn>
Result<void> for_each_field(std::string_view s, char sep, Fn fn) {
  for (std::size_t start = 0; start <= s.size();) {
    std::size_t end = std::min(s.find(sep, start), s.size());
    if (auto r = fn(s.substr(start, end - start), start); !r) return r;
    start = end + 1;
  }
  return {};
}

std::optional<std::uint32_t> parse_index(std::string_view s) {
  std::uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (!is_digits(s) || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

template <std::size_t N>
Result<void> set_hash(std::optional<std::array<std::uint8_t, N>>& slot,
                      const std::array<std::uint8_t, N>& value, const char* what) {
  if (slot && *slot != value) return fail(std::string("magnet: two different ") + what + " values");
  slot = value;
  return {};
}

class Parser {
 public:
  Result<void> on_segment(std::string_view segment, std::size_t pos);
  Result<Magnet> finish();

 private:
  Result<void> on_xt(std::string_view key, std::string value);
  Result<void> on_btih(std::string_view hash);
  Result<void> on_btmh(std::string_view multihash);
  Result<void> on_peer(std::string_view value, std::size_t pos);
  Result<void> on_select_only(std::string_view list, std::size_t pos);

  Magnet m_;
  std::size_t selected_ = 0;  // indices expanded so far, duplicates included
};

Result<void> Parser::on_segment(std::string_view segment, std::size_t pos) {
  auto eq = segment.find('=');
  std::string_view key = segment.substr(0, eq);
  std::string_view raw = eq == std::string_view::npos ? std::string_view() : segment.substr(eq + 1);
  std::size_t value_pos = pos + key.size() + 1;
  auto value = decode_value(raw, value_pos);
  if (!value) return fail(value.error());

  std::string_view base = base_key(key);
  if (base == "xt") return on_xt(key, std::move(*value));
  if (base == "dn") {
    if (m_.display_name.empty()) m_.display_name = std::move(*value);
  } else if (base == "tr" || base == "ws") {
    auto& list = base == "tr" ? m_.trackers : m_.web_seeds;
    if (!value->empty()) list.push_back(std::move(*value));
  } else if (base == "x.pe") {
    return on_peer(*value, value_pos);
  } else if (base == "so") {
    return on_select_only(*value, value_pos);
  } else {
    m_.unknown.emplace_back(std::string(key), std::move(*value));
  }
  return {};
}

Result<void> Parser::on_xt(std::string_view key, std::string value) {
  std::string_view v = value;
  if (starts_with_nocase(v, kBtih)) return on_btih(v.substr(kBtih.size()));
  if (starts_with_nocase(v, kBtmh)) return on_btmh(v.substr(kBtmh.size()));
  m_.unknown.emplace_back(std::string(key), std::move(value));  // urn:sha1, urn:ed2k, ...
  return {};
}

Result<void> Parser::on_btih(std::string_view hash) {
  std::optional<InfoHash> ih;
  if (hash.size() == 40) {
    ih = InfoHash::from_v1_hex(hash);
    if (!ih) return fail("magnet: btih is not valid hex");
  } else if (hash.size() == 32) {
    ih = InfoHash::from_v1_base32(hash);
    if (!ih) return fail("magnet: btih is not valid base32");
  } else {
    return fail("magnet: btih must be 40 hex or 32 base32 characters, got " +
                std::to_string(hash.size()));
  }
  return set_hash(m_.info_hash.v1, *ih->v1, "btih");
}

Result<void> Parser::on_btmh(std::string_view multihash) {
  if (multihash.size() != kSha256Multihash.size() + 64 ||
      !multihash.starts_with(kSha256Multihash)) {
    return fail("magnet: btmh must be a SHA-256 multihash: 1220 and 64 hex digits");
  }
  auto ih = InfoHash::from_v2_hex(multihash.substr(kSha256Multihash.size()));
  if (!ih) return fail("magnet: btmh is not valid hex");
  return set_hash(m_.info_hash.v2, *ih->v2, "btmh");
}

Result<void> Parser::on_peer(std::string_view value, std::size_t pos) {
  auto hp = HostPort::parse(value);
  if (!hp) {
    return fail("magnet: bad x.pe at position " + std::to_string(pos) + " (" + hp.error().message +
                ")");
  }
  if (auto ep = hp->endpoint()) {
    m_.peers.push_back(*ep);
  } else {
    m_.peer_hosts.push_back(std::move(*hp));
  }
  return {};
}

// BEP 53: "0,2,4-6"; ranges are inclusive.
Result<void> Parser::on_select_only(std::string_view list, std::size_t pos) {
  return for_each_field(list, ',', [&](std::string_view item, std::size_t) -> Result<void> {
    auto dash = item.find('-');
    auto lo = parse_index(item.substr(0, dash));
    auto hi = dash == std::string_view::npos ? lo : parse_index(item.substr(dash + 1));
    if (!lo || !hi) {
      return fail("magnet: bad so= list at position " + std::to_string(pos) +
                  " (want indices like 0,2,4-6)");
    }
    if (*lo > *hi) {
      return fail("magnet: so= range " + std::to_string(*lo) + "-" + std::to_string(*hi) +
                  " runs backwards");
    }
    std::uint64_t count = std::uint64_t{*hi} - *lo + 1;
    if (count > kMaxMagnetSelectOnly - selected_) {
      return fail("magnet: so= selects more than " + std::to_string(kMaxMagnetSelectOnly) +
                  " file indices");
    }
    selected_ += count;
    for (std::uint64_t i = *lo; i <= *hi; ++i) {
      m_.select_only.push_back(static_cast<std::uint32_t>(i));
    }
    return {};
  });
}

Result<Magnet> Parser::finish() {
  if (!m_.info_hash.v1 && !m_.info_hash.v2) {
    return fail("magnet: no xt=urn:btih or urn:btmh parameter");
  }
  auto& so = m_.select_only;
  std::sort(so.begin(), so.end());
  so.erase(std::unique(so.begin(), so.end()), so.end());
  return std::move(m_);
}

void append_select_only(const std::vector<std::uint32_t>& so, std::string& out) {
  for (std::size_t i = 0; i < so.size();) {
    std::size_t j = i;
    while (j + 1 < so.size() && std::uint64_t{so[j + 1]} == std::uint64_t{so[j]} + 1) ++j;
    if (i > 0) out += ',';
    out += std::to_string(so[i]);
    if (j > i) out += '-' + std::to_string(so[j]);
    i = j + 1;
  }
}

}  // namespace

Result<Magnet> Magnet::parse(std::string_view uri) {
  if (!starts_with_nocase(uri, kScheme)) return fail("magnet: link must start with magnet:?");
  Parser parser;
  auto query = uri.substr(kScheme.size());
  auto ok = for_each_field(query, '&', [&](std::string_view segment, std::size_t offset) {
    return segment.empty() ? Result<void>() : parser.on_segment(segment, kScheme.size() + offset);
  });
  if (!ok) return fail(ok.error());
  return parser.finish();
}

std::string Magnet::to_string() const {
  std::string out(kScheme);
  bool first = true;
  auto param = [&](std::string_view key, std::string_view value, bool escape = true) {
    if (!first) out += '&';
    first = false;
    out += key;
    out += '=';
    if (escape) {
      percent_encode(value, out, PercentSet::query_value);
    } else {
      out += value;
    }
  };
  if (info_hash.v1) param("xt", std::string(kBtih) + info_hash.v1_hex(), false);
  if (info_hash.v2) {
    param("xt", std::string(kBtmh) + std::string(kSha256Multihash) + info_hash.v2_hex(), false);
  }
  if (!display_name.empty()) param("dn", display_name);
  for (const auto& t : trackers) param("tr", t);
  for (const auto& w : web_seeds) param("ws", w);
  for (const auto& p : peers) param("x.pe", p.to_string());
  for (const auto& h : peer_hosts) param("x.pe", h.to_string());
  if (!select_only.empty()) {
    std::string so;
    append_select_only(select_only, so);
    param("so", so, false);
  }
  // Unknown keys go back out as they came in: they never hold '&' or '='.
  for (const auto& [key, value] : unknown) param(key, value);
  return out;
}

}  // namespace btnode
