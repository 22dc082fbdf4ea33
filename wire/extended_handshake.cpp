#include "wire/extended_handshake.h"

#include <algorithm>
#include <cstdint>

#include "core/bencode.h"

namespace btnode::wire {
namespace {

std::optional<Endpoint> address(const bencode::Value& dict, std::string_view key,
                                std::optional<std::size_t> only_size = {}) {
  auto raw = dict.find_string(key);
  if (!raw || (only_size && raw->size() != *only_size)) return std::nullopt;
  return Endpoint::from_address_bytes(*raw, 0);
}

template <class T>
std::optional<T> in_range(const bencode::Value& dict, std::string_view key, std::int64_t lo,
                          std::int64_t hi) {
  auto v = dict.find_int(key);
  if (!v || *v < lo || *v > hi) return std::nullopt;
  return static_cast<T>(*v);
}

void read_extensions(const bencode::Value& m, const ExtendedHandshakeLimits& limits,
                     ExtendedHandshake& out) {
  for (const auto& [name, id] : m.entries()) {
    if (out.extensions.size() >= limits.max_extensions) break;
    // An id outside one byte cannot be sent on the wire; ignore, not fail.
    if (name.empty() || name.size() > limits.max_name_size || !id.is_int()) continue;
    if (id.as_int() < 0 || id.as_int() > 255) continue;
    out.extensions.emplace(std::string(name), static_cast<std::uint8_t>(id.as_int()));
  }
}

void read_scalars(const bencode::Value& d, const ExtendedHandshakeLimits& limits,
                  ExtendedHandshake& out) {
  if (auto v = d.find_string("v")) out.client = std::string(v->substr(0, limits.max_client_size));
  out.listen_port = in_range<std::uint16_t>(d, "p", 1, 65535);
  if (auto q = d.find_int("reqq"); q && *q >= 1) {
    out.reqq = static_cast<std::uint32_t>(std::min<std::int64_t>(*q, limits.max_reqq));
  }
  out.metadata_size = in_range<std::uint32_t>(d, "metadata_size", 1, UINT32_MAX);
  out.upload_only = d.find_int("upload_only").value_or(0) != 0;
  out.your_ip = address(d, "yourip");
  out.ipv4 = address(d, "ipv4", 4);
  out.ipv6 = address(d, "ipv6", 16);
}

void write_address(bencode::Writer& w, std::string_view key, const std::optional<Endpoint>& a) {
  if (a) w.string(key).string(a->address_bytes());
}

}  // namespace

std::optional<std::uint8_t> ExtendedHandshake::id_of(std::string_view name) const {
  auto it = extensions.find(name);
  if (it == extensions.end() || it->second == 0) return std::nullopt;
  return it->second;
}

std::string encode_extended_handshake(const ExtendedHandshake& h) {
  std::string out;
  bencode::Writer w(out);
  w.begin_dict();
  write_address(w, "ipv4", h.ipv4);
  write_address(w, "ipv6", h.ipv6);
  w.string("m").begin_dict();
  for (const auto& [name, id] : h.extensions) w.string(name).integer(id);
  w.end();
  if (h.metadata_size) w.string("metadata_size").integer(*h.metadata_size);
  if (h.listen_port) w.string("p").integer(*h.listen_port);
  if (h.reqq) w.string("reqq").integer(*h.reqq);
  if (h.upload_only) w.string("upload_only").integer(1);
  if (h.client) w.string("v").string(*h.client);
  write_address(w, "yourip", h.your_ip);
  w.end();
  return out;
}

Result<ExtendedHandshake> decode_extended_handshake(std::string_view payload,
                                                    const ExtendedHandshakeLimits& limits) {
  if (payload.size() > limits.max_payload) {
    return fail("extended handshake of " + std::to_string(payload.size()) + " bytes, more than " +
                std::to_string(limits.max_payload));
  }
  bencode::DecodeOptions options;
  options.max_depth = 8;  // the schema needs 2 levels; unknown keys may nest a little
  auto doc = bencode::decode(payload, options);
  if (!doc) return fail("extended handshake: " + doc.error().message);
  const auto root = doc->root();
  if (!root.is_dict()) return fail("extended handshake is not a bencoded dictionary");
  ExtendedHandshake out;
  if (auto m = root.find_dict("m")) read_extensions(*m, limits, out);
  read_scalars(root, limits, out);
  return out;
}

void merge_extended_handshake(ExtendedHandshake& into, const ExtendedHandshake& update,
                              const ExtendedHandshakeLimits& limits) {
  for (const auto& [name, id] : update.extensions) {
    auto it = into.extensions.find(name);
    if (it != into.extensions.end()) {
      it->second = id;
    } else if (into.extensions.size() < limits.max_extensions) {
      into.extensions.emplace(name, id);
    }
  }
  if (update.client) into.client = update.client;
  if (update.listen_port) into.listen_port = update.listen_port;
  if (update.reqq) into.reqq = update.reqq;
  if (update.your_ip) into.your_ip = update.your_ip;
  if (update.ipv4) into.ipv4 = update.ipv4;
  if (update.ipv6) into.ipv6 = update.ipv6;
  if (update.metadata_size) into.metadata_size = update.metadata_size;
  into.upload_only = update.upload_only;
}

}  // namespace btnode::wire
