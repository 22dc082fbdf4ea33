// KRPC decoding: one schema per message type, checked before any field is used.
#include "dht/krpc.h"

#include <array>
#include <charconv>

#include "core/bencode.h"

namespace btnode::dht {
namespace {

using bencode::Value;

// Reads typed fields from one bencoded dictionary and records the first
// schema failure, so a parser can read all its keys in one expression and the
// caller checks ok() once. Failed reads return empty values.
class FieldReader {
 public:
  explicit FieldReader(Value dict) : dict_(dict) {}

  bool ok() const { return error_.empty(); }
  std::string take_error() { return std::move(error_); }
  void reject(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

  // Required 20-byte string (node ids, info-hashes, targets).
  NodeId id(std::string_view key) {
    const auto s = fixed(key, NodeId::size);
    if (!s) return {};
    return *NodeId::from_bytes(*s);
  }
  // Required string of any length.
  std::string_view string(std::string_view key) {
    if (!dict_.find(key)) return reject(missing(key)), std::string_view{};
    return opt_string(key).value_or(std::string_view{});
  }
  std::optional<std::string_view> opt_string(std::string_view key) {
    const auto v = dict_.find(key);
    if (!v) return std::nullopt;
    if (!v->is_string()) return reject(invalid(key, "a string")), std::nullopt;
    return v->as_string();
  }
  // Optional string of exactly `size` bytes; required when `required`.
  std::optional<std::string_view> fixed(std::string_view key, std::size_t size,
                                        bool required = true) {
    const auto s = opt_string(key);
    if (!s) {
      if (required) reject(missing(key));
      return std::nullopt;
    }
    if (s->size() != size) return reject(invalid(key, sized_string(size))), std::nullopt;
    return s;
  }
  // Optional string whose length is a multiple of `unit` (compact lists).
  std::optional<std::string_view> opt_multiple(std::string_view key, std::size_t unit) {
    const auto s = opt_string(key);
    if (s && s->size() % unit != 0) {
      return reject(invalid(key, "a multiple of " + std::to_string(unit) + " bytes")), std::nullopt;
    }
    return s;
  }
  std::optional<std::int64_t> opt_int(std::string_view key) {
    const auto v = dict_.find(key);
    if (!v) return std::nullopt;
    if (!v->is_int()) return reject(invalid(key, "an integer")), std::nullopt;
    return v->as_int();
  }
  // BEP 5 style flags: an integer, present and non-zero means set.
  bool flag(std::string_view key) { return opt_int(key).value_or(0) != 0; }
  // Any bencoded value, as its raw bytes.
  std::optional<std::string_view> opt_raw(std::string_view key) {
    const auto v = dict_.find(key);
    return v ? std::optional(v->raw()) : std::nullopt;
  }
  std::optional<Want> want();
  std::optional<PeerValues> peer_values(std::string_view key);

 private:
  static std::string missing(std::string_view key) { return "missing '" + std::string(key) + "'"; }
  static std::string invalid(std::string_view key, std::string_view expected) {
    return "'" + std::string(key) + "' must be " + std::string(expected);
  }
  static std::string sized_string(std::size_t size) {
    return "a " + std::to_string(size) + "-byte string";
  }

  Value dict_;
  std::string error_;
};

// BEP 32: unknown strings (and, leniently, non-strings) are ignored.
std::optional<Want> FieldReader::want() {
  const auto v = dict_.find("want");
  if (!v) return std::nullopt;
  if (!v->is_list()) return reject(invalid("want", "a list")), std::nullopt;
  Want want;
  for (Value item : v->items()) {
    const std::string_view s = item.as_string();  // "" for non-strings
    want.n4 |= s == "n4";
    want.n6 |= s == "n6";
  }
  return want;
}

std::optional<PeerValues> FieldReader::peer_values(std::string_view key) {
  const auto v = dict_.find(key);
  if (!v) return std::nullopt;
  if (!v->is_list()) return reject(invalid(key, "a list")), std::nullopt;
  for (Value item : v->items()) {
    const std::size_t n = item.as_string().size();
    if (!item.is_string() || (n != kCompactPeerV4Size && n != kCompactPeerV6Size)) {
      return reject(invalid(key, "a list of 6- or 18-byte strings")), std::nullopt;
    }
  }
  return PeerValues(v->raw(), v->size());
}

// ---------------------------------------------------------------- queries

QueryArgs parse_ping(FieldReader&) {
  return PingArgs{};
}

QueryArgs parse_find_node(FieldReader& a) {
  return FindNodeArgs{a.id("target"), a.want()};
}

QueryArgs parse_get_peers(FieldReader& a) {
  return GetPeersArgs{a.id("info_hash"), a.want(), a.flag("noseed"), a.flag("scrape")};
}

QueryArgs parse_announce_peer(FieldReader& a) {
  AnnouncePeerArgs args{a.id("info_hash"), 0, a.flag("implied_port"), a.string("token"),
                        a.flag("seed")};
  const auto port = a.opt_int("port");
  // With implied_port the source port is used, so `port` may be absent or 0.
  if (!args.implied_port) {
    if (!port) {
      a.reject("missing 'port'");
    } else if (*port < 1 || *port > 65535) {
      a.reject("'port' must be in 1..65535");
    }
  }
  if (port && *port >= 0 && *port <= 65535) args.port = static_cast<std::uint16_t>(*port);
  return args;
}

QueryArgs parse_get(FieldReader& a) {
  return GetArgs{a.id("target"), a.opt_int("seq"), a.want()};
}

QueryArgs parse_put(FieldReader& a) {
  PutArgs args;
  args.token = a.string("token");
  const auto value = a.opt_raw("v");
  if (!value) a.reject("missing 'v'");
  args.value = value.value_or(std::string_view{});
  args.key = a.fixed("k", kBep44KeySize, false);
  args.signature = a.fixed("sig", kBep44SignatureSize, false);
  args.seq = a.opt_int("seq");
  args.cas = a.opt_int("cas");
  args.salt = a.opt_string("salt").value_or(std::string_view{});
  // A mutable put is all of k, sig and seq; an immutable one has none of them.
  const bool any = args.key || args.signature || args.seq;
  if (any && !args.key) a.reject("missing 'k'");
  if (any && !args.signature) a.reject("missing 'sig'");
  if (any && !args.seq) a.reject("missing 'seq'");
  return args;
}

QueryArgs parse_sample_infohashes(FieldReader& a) {
  return SampleInfohashesArgs{a.id("target"), a.want()};
}

struct MethodSchema {
  std::string_view name;
  QueryArgs (*parse)(FieldReader& args);
};

// In QueryArgs order: method_name() indexes this table by the variant index.
constexpr std::array<MethodSchema, std::variant_size_v<QueryArgs>> kMethods = {{
    {"ping", parse_ping},                            // BEP 5
    {"find_node", parse_find_node},                  // BEP 5
    {"get_peers", parse_get_peers},                  // BEP 5
    {"announce_peer", parse_announce_peer},          // BEP 5
    {"get", parse_get},                              // BEP 44
    {"put", parse_put},                              // BEP 44
    {"sample_infohashes", parse_sample_infohashes},  // BEP 51
}};

const MethodSchema* find_method(std::string_view name) {
  for (const auto& m : kMethods) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

Rejection query_error(ErrorCode code, std::string message, std::string_view tid) {
  return Rejection{code, std::move(message), tid, true};
}

Decoded decode_query(Value root, Message message) {
  const auto tid = message.transaction_id;
  const auto q = root.find_string("q");
  if (!q) return query_error(ErrorCode::protocol, "missing 'q'", tid);
  const MethodSchema* method = find_method(*q);
  if (!method) return query_error(ErrorCode::method_unknown, "Method Unknown", tid);
  const auto a = root.find_dict("a");
  if (!a) return query_error(ErrorCode::protocol, "missing 'a'", tid);
  FieldReader reader(*a);
  const NodeId id = reader.id("id");
  QueryArgs args = method->parse(reader);
  if (!reader.ok()) return query_error(ErrorCode::protocol, reader.take_error(), tid);
  message.body = Query{id, std::move(args)};
  return message;
}

// ---------------------------------------------------------------- responses

Response read_response(FieldReader& r) {
  Response out;
  out.id = r.id("id");
  out.nodes = r.opt_multiple("nodes", kCompactNodeV4Size);
  out.nodes6 = r.opt_multiple("nodes6", kCompactNodeV6Size);
  out.token = r.opt_string("token");
  out.values = r.peer_values("values");
  out.samples = r.opt_multiple("samples", NodeId::size);
  out.interval = r.opt_int("interval");
  out.num = r.opt_int("num");
  out.value = r.opt_raw("v");
  out.key = r.fixed("k", kBep44KeySize, false);
  out.signature = r.fixed("sig", kBep44SignatureSize, false);
  out.seq = r.opt_int("seq");
  out.seeds_filter = r.fixed("BFsd", kBep33FilterSize, false);
  out.peers_filter = r.fixed("BFpe", kBep33FilterSize, false);
  return out;
}

Decoded decode_response(Value root, Message message) {
  const auto r = root.find_dict("r");
  if (!r) return Rejection{ErrorCode::protocol, "missing 'r'", message.transaction_id, false};
  FieldReader reader(*r);
  Response response = read_response(reader);
  if (!reader.ok()) {
    return Rejection{ErrorCode::protocol, reader.take_error(), message.transaction_id, false};
  }
  message.body = response;
  return message;
}

Decoded decode_error(Value root, Message message) {
  const auto e = root.find_list("e");
  if (!e || e->size() == 0 || !(*e->items().begin()).is_int()) {
    return Rejection{ErrorCode::protocol, "'e' must be [code, message]", message.transaction_id,
                     false};
  }
  auto it = e->items().begin();
  ErrorReply reply{(*it).as_int(), {}};
  if (++it != e->items().end()) reply.message = (*it).as_string();
  message.body = reply;
  return message;
}

// ---------------------------------------------------------------- envelope

// The top-level keys every message may carry. Hints (`v`, `ip`, `ro`) of the
// wrong form are ignored rather than rejected: they never gate an action.
Message read_envelope(Value root, std::string_view tid) {
  Message m;
  m.transaction_id = tid;
  m.version = root.find_string("v").value_or(std::string_view{});
  const auto ip = root.find_string("ip").value_or(std::string_view{});
  if (ip.size() == kCompactPeerV4Size || ip.size() == kCompactPeerV6Size) m.ip = ip;
  m.read_only = root.find_int("ro").value_or(0) == 1;  // BEP 43: "ro" = 1
  return m;
}

Rejection dropped(std::string message) {
  return Rejection{ErrorCode::protocol, std::move(message), {}, false};
}

}  // namespace

std::string_view method_name(const QueryArgs& args) {
  return kMethods[args.index()].name;
}

Decoded decode(std::string_view datagram) {
  if (datagram.size() > kMaxDatagramSize) return dropped("datagram too large");
  const auto doc = bencode::decode(datagram);
  if (!doc) return dropped(doc.error().message);
  const Value root = doc->root();
  if (!root.is_dict()) return dropped("message is not a dictionary");
  const auto tid = root.find_string("t");
  if (!tid || tid->empty() || tid->size() > kMaxTransactionIdSize) {
    return dropped("'t' must be a 1.." + std::to_string(kMaxTransactionIdSize) + "-byte string");
  }
  const auto y = root.find_string("y").value_or(std::string_view{});
  Message envelope = read_envelope(root, *tid);
  if (y == "q") return decode_query(root, envelope);
  if (y == "r") return decode_response(root, envelope);
  if (y == "e") return decode_error(root, envelope);
  return Rejection{ErrorCode::protocol, "'y' must be q, r or e", *tid, false};
}

// ---------------------------------------------------------------- PeerValues

std::string_view PeerValues::Iterator::operator*() const {
  std::size_t length = 0;
  const char* p = pos_;
  for (; *p != ':'; ++p) length = length * 10 + static_cast<std::size_t>(*p - '0');
  return {p + 1, length};
}

PeerValues::Iterator& PeerValues::Iterator::operator++() {
  const std::string_view item = **this;
  pos_ = item.data() + item.size();
  return *this;
}

PeerValues::Iterator PeerValues::begin() const {
  return Iterator(encoded_.empty() ? nullptr : encoded_.data() + 1);  // after 'l'
}

PeerValues::Iterator PeerValues::end() const {
  return Iterator(encoded_.empty() ? nullptr : encoded_.data() + encoded_.size() - 1);  // 'e'
}

void PeerValuesBuilder::add(std::string_view compact_peer) {
  buffer_ += std::to_string(compact_peer.size());  // "6" or "18": fits SSO, no allocation
  buffer_ += ':';
  buffer_ += compact_peer;
  ++count_;
}

PeerValues PeerValuesBuilder::finish() {
  buffer_ += 'e';
  return PeerValues(buffer_, count_);
}

// ---------------------------------------------------------------- encoding
//
// Every writer below emits its dictionary keys in raw byte order, as bencode
// requires (bencode::Writer asserts it in debug builds).

namespace {

using bencode::Writer;

void write_want(Writer& w, const std::optional<Want>& want) {
  if (!want) return;
  w.string("want").begin_list();
  if (want->n4) w.string("n4");
  if (want->n6) w.string("n6");
  w.end();
}

void write_flag(Writer& w, std::string_view key, bool set) {
  if (set) w.string(key).integer(1);
}

void write_args(Writer& w, const NodeId& id, const PingArgs&) {
  w.string("id").string(id.view());
}

void write_args(Writer& w, const NodeId& id, const FindNodeArgs& a) {
  w.string("id").string(id.view()).string("target").string(a.target.view());
  write_want(w, a.want);
}

void write_args(Writer& w, const NodeId& id, const GetPeersArgs& a) {
  w.string("id").string(id.view()).string("info_hash").string(a.info_hash.view());
  write_flag(w, "noseed", a.noseed);
  write_flag(w, "scrape", a.scrape);
  write_want(w, a.want);
}

void write_args(Writer& w, const NodeId& id, const AnnouncePeerArgs& a) {
  w.string("id").string(id.view());
  write_flag(w, "implied_port", a.implied_port);
  w.string("info_hash").string(a.info_hash.view()).string("port").integer(a.port);
  write_flag(w, "seed", a.seed);
  w.string("token").string(a.token);
}

void write_args(Writer& w, const NodeId& id, const GetArgs& a) {
  w.string("id").string(id.view());
  if (a.seq) w.string("seq").integer(*a.seq);
  w.string("target").string(a.target.view());
  write_want(w, a.want);
}

void write_args(Writer& w, const NodeId& id, const PutArgs& a) {
  if (a.cas) w.string("cas").integer(*a.cas);
  w.string("id").string(id.view());
  if (a.key) w.string("k").string(*a.key);
  if (!a.salt.empty()) w.string("salt").string(a.salt);
  if (a.seq) w.string("seq").integer(*a.seq);
  if (a.signature) w.string("sig").string(*a.signature);
  w.string("token").string(a.token).string("v").raw(a.value);
}

void write_args(Writer& w, const NodeId& id, const SampleInfohashesArgs& a) {
  w.string("id").string(id.view()).string("target").string(a.target.view());
  write_want(w, a.want);
}

void write_optional(Writer& w, std::string_view key, const std::optional<std::string_view>& s) {
  if (s) w.string(key).string(*s);
}

void write_optional(Writer& w, std::string_view key, const std::optional<std::int64_t>& i) {
  if (i) w.string(key).integer(*i);
}

void write_response(Writer& w, const Response& r) {
  w.begin_dict();
  write_optional(w, "BFpe", r.peers_filter);
  write_optional(w, "BFsd", r.seeds_filter);
  w.string("id").string(r.id.view());
  write_optional(w, "interval", r.interval);
  write_optional(w, "k", r.key);
  write_optional(w, "nodes", r.nodes);
  write_optional(w, "nodes6", r.nodes6);
  write_optional(w, "num", r.num);
  write_optional(w, "samples", r.samples);
  write_optional(w, "seq", r.seq);
  write_optional(w, "sig", r.signature);
  write_optional(w, "token", r.token);
  if (r.value) w.string("v").raw(*r.value);
  if (r.values) w.string("values").raw(r.values->encoded());
  w.end();
}

}  // namespace

void encode(const Message& m, std::string& out) {
  Writer w(out);
  const auto* query = std::get_if<Query>(&m.body);
  const auto* response = std::get_if<Response>(&m.body);
  const auto* error = std::get_if<ErrorReply>(&m.body);
  w.begin_dict();
  if (query) {
    w.string("a").begin_dict();
    std::visit([&](const auto& args) { write_args(w, query->id, args); }, query->args);
    w.end();
  }
  if (error) w.string("e").begin_list().integer(error->code).string(error->message).end();
  if (!m.ip.empty()) w.string("ip").string(m.ip);
  if (query) w.string("q").string(method_name(query->args));
  if (response) write_response(w.string("r"), *response);
  write_flag(w, "ro", m.read_only);
  w.string("t").string(m.transaction_id);
  if (!m.version.empty()) w.string("v").string(m.version);
  w.string("y").string(query ? "q" : response ? "r" : "e");
  w.end();
}

void encode_rejection(const Rejection& rejection, std::string& out) {
  Message m;
  m.transaction_id = rejection.transaction_id;
  m.body = ErrorReply{static_cast<std::int64_t>(rejection.code), rejection.message};
  encode(m, out);
}

}  // namespace btnode::dht
