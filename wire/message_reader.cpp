#include "wire/message_reader.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <cstring>
#include <string>

namespace btnode::wire {
namespace {

std::uint32_t get_u32(std::string_view b, std::size_t at) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + at);
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

BlockRef block_ref(std::string_view body) {
  return {get_u32(body, 0), get_u32(body, 4), get_u32(body, 8)};
}

// Allowed values of the length prefix (id byte + body) for one message id.
struct LengthRange {
  std::uint64_t min = 0;
  std::uint64_t max = 0;
};

struct Context {
  const ReaderLimits& limits;
  std::optional<std::uint32_t> piece_count;
};

using RangeFn = LengthRange (*)(const Context&);
using DecodeFn = Message (*)(std::string_view body);

// One row per known message id: its name for errors, the lengths it may have
// and how to decode its body (already known to have an allowed length).
struct Rule {
  const char* name = nullptr;
  RangeFn range = nullptr;
  DecodeFn decode = nullptr;
};

template <std::uint64_t N>
LengthRange fixed(const Context&) {
  return {N, N};
}

LengthRange piece_range(const Context& c) {
  return {10, 9 + std::uint64_t{c.limits.max_block_size}};
}
LengthRange extended_range(const Context& c) {
  return {2, 2 + std::uint64_t{c.limits.max_extended_size}};
}
LengthRange bitfield_range(const Context& c) {
  if (c.piece_count) {
    const std::uint64_t n = 1 + (std::uint64_t{*c.piece_count} + 7) / 8;
    return {n, n};
  }
  return {1, 1 + std::uint64_t{c.limits.max_bitfield_size}};
}

template <class M>
Message empty(std::string_view) {
  return M{};
}
template <class M>
Message indexed(std::string_view body) {
  return M{get_u32(body, 0)};
}
template <class M>
Message with_block(std::string_view body) {
  return M{block_ref(body)};
}
Message bitfield(std::string_view body) {
  return BitfieldMessage{body};
}
Message piece(std::string_view body) {
  return Piece{get_u32(body, 0), get_u32(body, 4), body.substr(8)};
}
Message port(std::string_view body) {
  const auto* p = reinterpret_cast<const unsigned char*>(body.data());
  return Port{static_cast<std::uint16_t>((p[0] << 8) | p[1])};
}
Message extended(std::string_view body) {
  return Extended{static_cast<std::uint8_t>(body[0]), body.substr(1)};
}

constexpr std::array<Rule, 256> make_rules() {
  std::array<Rule, 256> r{};
  r[0] = {"choke", fixed<1>, empty<Choke>};                   // BEP 3
  r[1] = {"unchoke", fixed<1>, empty<Unchoke>};               // BEP 3
  r[2] = {"interested", fixed<1>, empty<Interested>};         // BEP 3
  r[3] = {"not interested", fixed<1>, empty<NotInterested>};  // BEP 3
  r[4] = {"have", fixed<5>, indexed<Have>};                   // BEP 3
  r[5] = {"bitfield", bitfield_range, bitfield};              // BEP 3
  r[6] = {"request", fixed<13>, with_block<Request>};         // BEP 3
  r[7] = {"piece", piece_range, piece};                       // BEP 3
  r[8] = {"cancel", fixed<13>, with_block<Cancel>};           // BEP 3
  r[9] = {"port", fixed<3>, port};                            // BEP 5
  r[13] = {"suggest", fixed<5>, indexed<Suggest>};            // BEP 6
  r[14] = {"have all", fixed<1>, empty<HaveAll>};             // BEP 6
  r[15] = {"have none", fixed<1>, empty<HaveNone>};           // BEP 6
  r[16] = {"reject", fixed<13>, with_block<Reject>};          // BEP 6
  r[17] = {"allowed fast", fixed<5>, indexed<AllowedFast>};   // BEP 6
  r[20] = {"extended", extended_range, extended};             // BEP 10
  return r;
}

constexpr std::array<Rule, 256> kRules = make_rules();

const char* article(const char* name) {
  return name[0] == 'e' || name[0] == 'a' ? "an " : "a ";
}

std::string expected_text(LengthRange r) {
  if (r.min == r.max) return std::to_string(r.min);
  return std::to_string(r.min) + " to " + std::to_string(r.max);
}

}  // namespace

void MessageReader::compact() {
  if (begin_ == 0) return;
  std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
}

std::span<char> MessageReader::prepare(std::size_t size) {
  compact();
  if (buffer_.size() < end_ + size) buffer_.resize(end_ + size);
  return {buffer_.data() + end_, size};
}

void MessageReader::commit(std::size_t written) {
  assert(end_ + written <= buffer_.size());
  end_ += written;
  // Drop an unknown message's body as it arrives, so it never accumulates.
  if (skip_ > 0) skip_pending();
}

void MessageReader::feed(std::string_view bytes) {
  if (bytes.empty()) return;
  auto area = prepare(bytes.size());
  std::memcpy(area.data(), bytes.data(), bytes.size());
  commit(bytes.size());
}

Failure MessageReader::failed(std::string reason) {
  error_ = Error{reason};
  return fail(std::move(reason));
}

bool MessageReader::skip_pending() {
  const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, end_ - begin_));
  begin_ += n;
  skip_ -= n;
  return skip_ > 0;
}

Result<std::optional<Message>> MessageReader::start_skip(std::uint8_t id, std::uint32_t body) {
  if (body > limits_.max_unknown_size) {
    return failed("peer sent an unknown message (id " + std::to_string(id) + ") of length " +
                  std::to_string(std::uint64_t{body} + 1) + ", more than we skip (" +
                  std::to_string(std::uint64_t{limits_.max_unknown_size} + 1) + ")");
  }
  begin_ += kLengthPrefixSize + 1;
  skip_ = body;
  skip_pending();
  return std::optional<Message>(Unknown{id, body});
}

Result<std::optional<Message>> MessageReader::next() {
  if (error_) return fail(*error_);
  if (skip_ > 0 && skip_pending()) return std::optional<Message>();
  const auto in = available();
  if (in.size() < kLengthPrefixSize) return std::optional<Message>();
  const std::uint32_t length = get_u32(in, 0);
  if (length == 0) {
    begin_ += kLengthPrefixSize;
    return std::optional<Message>(KeepAlive{});
  }
  // Longer than any message we accept: no need to wait for the id.
  const std::uint64_t longest = std::max({std::uint64_t{limits_.max_unknown_size} + 1,
                                          std::uint64_t{limits_.max_extended_size} + 2,
                                          std::uint64_t{limits_.max_bitfield_size} + 1,
                                          std::uint64_t{limits_.max_block_size} + 9});
  if (length > longest) {
    return failed("peer sent a message length of " + std::to_string(length) +
                  ", longer than any message (" + std::to_string(longest) + ")");
  }
  if (in.size() < kLengthPrefixSize + 1) return std::optional<Message>();
  const auto id = static_cast<std::uint8_t>(in[kLengthPrefixSize]);
  const Rule& rule = kRules[id];
  if (rule.name == nullptr) return start_skip(id, length - 1);
  const LengthRange range = rule.range(Context{limits_, piece_count_});
  if (length < range.min || length > range.max) {
    return failed(std::string("peer sent ") + article(rule.name) + rule.name +
                  " message of length " + std::to_string(length) + ", expected " +
                  expected_text(range));
  }
  if (in.size() < kLengthPrefixSize + std::size_t{length}) return std::optional<Message>();
  begin_ += kLengthPrefixSize + std::size_t{length};
  return std::optional<Message>(rule.decode(in.substr(kLengthPrefixSize + 1, length - 1)));
}

}  // namespace btnode::wire
