// KRPC (BEP 5): the DHT's bencoded UDP messages.
//
// decode() checks every message against the schema of its type before any
// field is used: required keys, their types and their lengths. A message that
// passes is returned as typed views into the caller's datagram (no copies; the
// caller keeps the datagram alive while the Message is used). A query that
// fails is turned into a Rejection carrying the BEP 5 error (203 protocol
// error naming the bad key, 204 method unknown) to send back.
//
// encode() appends a Message to a caller-owned string through
// bencode::Writer: keys are written in sorted order with no intermediate tree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/compact.h"
#include "core/ids.h"

namespace btnode::dht {

// BEP 32: nodes must accept 1024-byte payloads and should accept more; 1500
// covers any Ethernet MTU. Larger datagrams are not DHT traffic we answer.
inline constexpr std::size_t kMaxDatagramSize = 1500;
// BEP 5 suggests 2 bytes. Bounded because it is echoed back verbatim.
inline constexpr std::size_t kMaxTransactionIdSize = 16;
inline constexpr std::size_t kBep44KeySize = 32;  // ed25519 public key
inline constexpr std::size_t kBep44SignatureSize = 64;
inline constexpr std::size_t kBep33FilterSize = 256;  // BFsd / BFpe bloom filters

// KRPC error codes.
enum class ErrorCode : std::int64_t {
  generic = 201,            // BEP 5
  server = 202,             // BEP 5
  protocol = 203,           // BEP 5: malformed packet, invalid arguments, bad token
  method_unknown = 204,     // BEP 5
  message_too_big = 205,    // BEP 44: `v` too large
  invalid_signature = 206,  // BEP 44
  salt_too_big = 207,       // BEP 44
  cas_mismatch = 301,       // BEP 44
  sequence_too_old = 302,   // BEP 44
};

// BEP 32 `want`: which node lists the querier asks for. Absent (nullopt in the
// args) means "the address family the query arrived on".
struct Want {
  bool n4 = false;
  bool n6 = false;
  bool operator==(const Want&) const = default;
};

// ---------------------------------------------------------------- queries

struct PingArgs {
  bool operator==(const PingArgs&) const = default;
};

struct FindNodeArgs {
  NodeId target;
  std::optional<Want> want;
  bool operator==(const FindNodeArgs&) const = default;
};

struct GetPeersArgs {
  NodeId info_hash;  // the DHT key of the torrent
  std::optional<Want> want;
  bool noseed = false;  // BEP 33: prefer non-seeds in `values`
  bool scrape = false;  // BEP 33: return BFsd/BFpe
  bool operator==(const GetPeersArgs&) const = default;
};

struct AnnouncePeerArgs {
  NodeId info_hash;
  std::uint16_t port = 0;     // 1..65535 unless implied_port
  bool implied_port = false;  // BEP 5: use the datagram's source port
  std::string_view token;
  bool seed = false;  // BEP 33
  bool operator==(const AnnouncePeerArgs&) const = default;
};

// BEP 44 get: immutable or mutable item by target.
struct GetArgs {
  NodeId target;
  std::optional<std::int64_t> seq;  // only send the item if newer than this
  std::optional<Want> want;
  bool operator==(const GetArgs&) const = default;
};

// BEP 44 put. Mutable when `key` is set; then `signature` and `seq` are too.
struct PutArgs {
  std::string_view token;
  std::string_view value;                     // `v` exactly as received (raw bencode)
  std::optional<std::string_view> key;        // 32-byte ed25519 public key
  std::optional<std::string_view> signature;  // 64 bytes
  std::optional<std::int64_t> seq;
  std::optional<std::int64_t> cas;
  std::string_view salt;  // empty = no salt (BEP 44 treats both alike)
  bool is_mutable() const { return key.has_value(); }
  bool operator==(const PutArgs&) const = default;
};

// BEP 51.
struct SampleInfohashesArgs {
  NodeId target;
  std::optional<Want> want;
  bool operator==(const SampleInfohashesArgs&) const = default;
};

// One alternative per method; the order matches the method table in
// krpc.cpp, which is what method_name() reads.
using QueryArgs = std::variant<PingArgs, FindNodeArgs, GetPeersArgs, AnnouncePeerArgs, GetArgs,
                               PutArgs, SampleInfohashesArgs>;

// The `q` string for these arguments ("ping", "find_node", ...).
std::string_view method_name(const QueryArgs& args);

struct Query {
  NodeId id;  // the querying node
  QueryArgs args;
  bool operator==(const Query&) const = default;
};

// ---------------------------------------------------------------- responses

// The `values` list of a get_peers reply, kept as its raw bencode. decode()
// checked that every item is a 6- or 18-byte string (BEP 5, BEP 32), so
// iterating it needs no further checks.
class PeerValues {
 public:
  class Iterator;

  PeerValues() = default;
  // `encoded` must be a bencoded list of 6- or 18-byte strings (see
  // append_peer_values); `count` its number of items.
  PeerValues(std::string_view encoded, std::size_t count) : encoded_(encoded), count_(count) {}

  std::string_view encoded() const { return encoded_; }
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  Iterator begin() const;
  Iterator end() const;
  bool operator==(const PeerValues& o) const { return encoded_ == o.encoded_; }

 private:
  std::string_view encoded_;
  std::size_t count_ = 0;
};

// Yields each compact peer (the 6 or 18 bytes, without the bencode prefix).
class PeerValues::Iterator {
 public:
  using value_type = std::string_view;
  using difference_type = std::ptrdiff_t;
  Iterator() = default;
  explicit Iterator(const char* pos) : pos_(pos) {}
  std::string_view operator*() const;
  Iterator& operator++();
  Iterator operator++(int) {
    auto old = *this;
    ++*this;
    return old;
  }
  bool operator==(const Iterator& o) const { return pos_ == o.pos_; }

 private:
  const char* pos_ = nullptr;  // at the length prefix of the current item
};

// Builds a `values` list for a reply in a caller-owned buffer, which can be
// reused from reply to reply so building costs no allocation once warm.
class PeerValuesBuilder {
 public:
  explicit PeerValuesBuilder(std::string& buffer) : buffer_(buffer) { buffer_.assign(1, 'l'); }
  // Precondition: 6 or 18 bytes (a compact IPv4 or IPv6 peer).
  void add(std::string_view compact_peer);
  std::size_t size() const { return count_; }
  // Closes the list; the result views the buffer.
  PeerValues finish();

 private:
  std::string& buffer_;
  std::size_t count_ = 0;
};

// A response's `r` dictionary. Which keys matter depends on the query it
// answers; decode() validates the form of every key that is present.
struct Response {
  NodeId id;
  std::optional<std::string_view> nodes;   // compact node infos, 26 bytes each (BEP 5)
  std::optional<std::string_view> nodes6;  // 38 bytes each (BEP 32)
  std::optional<std::string_view> token;
  std::optional<PeerValues> values;
  std::optional<std::string_view> samples;       // BEP 51: 20 bytes each
  std::optional<std::int64_t> interval;          // BEP 51: seconds
  std::optional<std::int64_t> num;               // BEP 51
  std::optional<std::string_view> value;         // BEP 44 `v`, raw bencode
  std::optional<std::string_view> key;           // BEP 44 `k`, 32 bytes
  std::optional<std::string_view> signature;     // BEP 44 `sig`, 64 bytes
  std::optional<std::int64_t> seq;               // BEP 44
  std::optional<std::string_view> seeds_filter;  // BEP 33 `BFsd`, 256 bytes
  std::optional<std::string_view> peers_filter;  // BEP 33 `BFpe`, 256 bytes
  bool operator==(const Response&) const = default;
};

// An error message (`y` = "e") as received or to send.
struct ErrorReply {
  std::int64_t code = 0;
  std::string_view message;
  bool operator==(const ErrorReply&) const = default;
};

// ---------------------------------------------------------------- messages

struct Message {
  std::string_view transaction_id;  // `t`, 1..kMaxTransactionIdSize bytes
  std::string_view version;         // `v`, client version; empty when absent
  // BEP 42 `ip`: the requester's compact address (6 or 18 bytes) as the
  // replier saw it. Empty when absent or malformed (it is only a hint).
  std::string_view ip;
  bool read_only = false;  // BEP 43 `ro`
  std::variant<Query, Response, ErrorReply> body;
  bool operator==(const Message&) const = default;
};

// Why a datagram was not accepted, and what to answer if anything.
struct Rejection {
  ErrorCode code = ErrorCode::protocol;
  std::string message;              // e.g. "missing 'info_hash'"
  std::string_view transaction_id;  // empty when unknown
  bool is_query = false;            // `y` was "q": the sender expects an answer
  // Only queries get an error back: answering a broken response or error
  // could start two nodes bouncing errors at each other.
  bool answerable() const { return is_query && !transaction_id.empty(); }
};

using Decoded = std::variant<Message, Rejection>;

// Schema-checks and decodes one datagram.
Decoded decode(std::string_view datagram);

// Appends the bencoding of `message` to `out`.
void encode(const Message& message, std::string& out);

// Appends the KRPC error that answers `rejection` (precondition: answerable()).
void encode_rejection(const Rejection& rejection, std::string& out);

}  // namespace btnode::dht
