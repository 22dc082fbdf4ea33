#include "pex/lsd.h"

#include <algorithm>
#include <cctype>

namespace btnode::pex {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool parse_hash(std::string_view text, LsdHash& out) {
  if (text.size() != 40) return false;
  for (std::size_t i = 0; i < 20; ++i) {
    int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

}  // namespace

std::string encode_lsd_announce(std::string_view host, const LsdAnnounce& announce) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "BT-SEARCH * HTTP/1.1\r\nHost: ";
  out += host;
  out += "\r\nPort: " + std::to_string(announce.port) + "\r\n";
  for (const auto& h : announce.info_hashes) {
    out += "Infohash: ";
    for (auto b : h) {
      out.push_back(kHex[b >> 4]);
      out.push_back(kHex[b & 15]);
    }
    out += "\r\n";
  }
  if (!announce.cookie.empty()) out += "cookie: " + announce.cookie + "\r\n";
  out += "\r\n\r\n";
  return out;
}

Result<LsdAnnounce> decode_lsd_announce(std::string_view datagram, const LsdLimits& limits) {
  if (datagram.size() > limits.max_datagram)
    return fail("lsd: datagram of " + std::to_string(datagram.size()) + " bytes");
  auto eol = datagram.find("\r\n");
  if (eol == std::string_view::npos || trim(datagram.substr(0, eol)) != "BT-SEARCH * HTTP/1.1")
    return fail("lsd: not a BT-SEARCH announce");
  LsdAnnounce out;
  bool have_port = false;
  std::string_view rest = datagram.substr(eol + 2);
  while (!rest.empty()) {
    auto end = rest.find("\r\n");
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    if (trim(line).empty()) continue;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // tolerated, like unknown headers
    auto name = trim(line.substr(0, colon));
    auto value = trim(line.substr(colon + 1));
    if (iequals(name, "Port")) {
      if (value.empty() || value.size() > 5 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return fail("lsd: bad Port");
      unsigned long port = std::stoul(std::string(value));
      if (port == 0 || port > 65535) return fail("lsd: Port out of range");
      out.port = static_cast<std::uint16_t>(port);
      have_port = true;
    } else if (iequals(name, "Infohash")) {
      LsdHash h{};
      if (!parse_hash(value, h)) continue;  // skip bad ones, keep the rest
      if (out.info_hashes.size() < limits.max_info_hashes &&
          std::find(out.info_hashes.begin(), out.info_hashes.end(), h) == out.info_hashes.end())
        out.info_hashes.push_back(h);
    } else if (iequals(name, "cookie")) {
      out.cookie = std::string(trim(value.substr(0, 64)));
    }
  }
  if (!have_port) return fail("lsd: no Port");
  if (out.info_hashes.empty()) return fail("lsd: no valid Infohash");
  return out;
}

bool LsdPolicy::should_announce(const LsdHash& hash, LsdTime now) {
  auto it = last_announce_.find(hash);
  if (it != last_announce_.end() && now - it->second < announce_interval_) return false;
  last_announce_[hash] = now;
  return true;
}

bool LsdPolicy::accept_from(const std::string& source, LsdTime now) {
  if (sources_.size() > 4096) sources_.clear();  // bounded memory under a flood
  auto& w = sources_[source];
  if (w.count == 0 || now - w.start >= source_window_) {
    w.start = now;
    w.count = 0;
  }
  if (w.count >= per_source_burst_) return false;
  ++w.count;
  return true;
}

}  // namespace btnode::pex
