// Bencode (BEP 3) decoder and encoder; see bencode.h for the contract.
//
// The decoder is a single iterative pass over the input. Open containers are
// tracked inside the token index itself (an open container's token holds its
// parent's index, its child count and its last key until it is closed), so
// nesting costs no stack and no memory beyond the tokens, whatever the depth.
#include "core/bencode.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

namespace btnode::bencode {

namespace {

constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kMaxInput = std::numeric_limits<std::uint32_t>::max();

inline bool is_digit(char c) { return static_cast<unsigned>(static_cast<unsigned char>(c) - '0') < 10u; }

// A byte as it should appear in an error message: 'x' or 0xNN.
std::string describe(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f && u != '\'') return std::string{'\'', c, '\''};
  static constexpr char hex[] = "0123456789abcdef";
  return std::string{'0', 'x', hex[u >> 4], hex[u & 15]};
}

// Parses the digits of an integer the decoder already validated; `p` is the
// byte after 'i'.
std::int64_t parse_valid_int(const char* p) {
  const bool negative = *p == '-';
  p += negative;
  std::uint64_t magnitude = 0;
  for (; *p != 'e'; ++p) magnitude = magnitude * 10 + static_cast<unsigned>(*p - '0');
  // Modular conversion (C++20) maps 2^63 to INT64_MIN.
  return static_cast<std::int64_t>(negative ? 0 - magnitude : magnitude);
}

}  // namespace

// ---------------------------------------------------------------- decoding

namespace {

// Error paths are cold and out of line so the scanning loop stays tight.
[[gnu::cold, gnu::noinline]] Failure error_at(std::string_view what, std::uint32_t at) {
  std::string m = "bencode: ";
  m += what;
  m += " at byte ";
  m += std::to_string(at);
  return fail(std::move(m));
}

[[gnu::cold, gnu::noinline]] Failure byte_error(char c, std::string_view where, std::uint32_t at) {
  std::string what = "unexpected byte " + describe(c);
  what += where;
  return error_at(what, at);
}

[[gnu::cold, gnu::noinline]] Failure length_error(std::uint64_t length, std::uint32_t left, std::uint32_t at) {
  return error_at("string length " + std::to_string(length) + " exceeds the " + std::to_string(left) + " bytes left",
                  at);
}

// Scans the integer element starting at in[pos] == 'i' and moves pos past it.
inline bool scan_integer(const char* in, std::uint32_t n, std::uint32_t& pos, std::optional<Failure>& failure) {
  const std::uint32_t start = pos;
  std::uint32_t p = pos + 1;  // after 'i'
  const bool negative = p < n && in[p] == '-';
  p += negative;
  if (p >= n) return failure = error_at("unexpected end of input", p), false;
  if (!is_digit(in[p])) {
    if (in[p] == 'e') return failure = error_at("integer has no digits", p), false;
    return failure = byte_error(in[p], " in integer", p), false;
  }
  if (in[p] == '0') {
    if (p + 1 < n && is_digit(in[p + 1])) return failure = error_at("leading zero in integer", p), false;
    if (negative) return failure = error_at("negative zero in integer", p - 1), false;
  }
  // Magnitude limit: 2^63 - 1, or 2^63 for negative numbers.
  const std::uint64_t limit = std::uint64_t{std::numeric_limits<std::int64_t>::max()} + negative;
  std::uint64_t magnitude = 0;
  for (; p < n && is_digit(in[p]); ++p) {
    const unsigned d = static_cast<unsigned>(in[p] - '0');
    if (magnitude > (limit - d) / 10) return failure = error_at("integer out of range", start + 1), false;
    magnitude = magnitude * 10 + d;
  }
  if (p >= n) return failure = error_at("unexpected end of input", p), false;
  if (in[p] != 'e') return failure = byte_error(in[p], " in integer", p), false;
  pos = p + 1;
  return true;
}

// Scans the string element starting at in[pos] (a digit), checking its length
// against the bytes left before anything else; sets header to the size of the
// "<len>:" prefix and moves pos past the element.
inline bool scan_string(const char* in, std::uint32_t n, std::uint32_t& pos, std::uint32_t& header,
                        std::optional<Failure>& failure) {
  const std::uint32_t start = pos;
  std::uint32_t p = pos;
  if (in[p] == '0' && p + 1 < n && is_digit(in[p + 1])) {
    return failure = error_at("leading zero in string length", p), false;
  }
  std::uint64_t length = 0;
  for (; p < n && is_digit(in[p]); ++p) {
    length = length * 10 + static_cast<unsigned>(in[p] - '0');
    if (length > kMaxInput) return failure = error_at("string length out of range", start), false;
  }
  if (p >= n) return failure = error_at("unexpected end of input", p), false;
  if (in[p] != ':') return failure = byte_error(in[p], " in string length", p), false;
  ++p;
  const std::uint32_t left = n - p;
  if (length > left) return failure = length_error(length, left, start), false;
  header = p - start;
  pos = p + static_cast<std::uint32_t>(length);
  return true;
}

}  // namespace

class Decoder {
 public:
  static Result<Document> run(std::string_view input, const DecodeOptions& options);
};

Result<Document> Decoder::run(std::string_view input, const DecodeOptions& options) {
  Document doc;
  doc.input_ = input;
  std::vector<Token>& tokens = doc.tokens_;
  const char* const in = input.data();
  const auto n = static_cast<std::uint32_t>(input.size());
  const std::size_t max_tokens = std::min<std::size_t>(options.max_tokens, kNone);
  const int max_depth = options.max_depth;
  const bool strict = options.strict_keys;
  // One token per 16 input bytes up front (about the input's size in memory),
  // then geometric growth: dense hostile input pays only as it is validated.
  tokens.reserve(std::min<std::size_t>(max_tokens, n / 16 + 8));

  // The innermost open container. While open, its token holds:
  //   span: the parent's index, aux: completed children (dicts: keys + values),
  //   length: the index of its last key (dicts, once it has one).
  std::uint32_t current = kNone;
  bool current_dict = false;
  int depth = 0;
  std::uint32_t pos = 0;
  std::optional<Failure> failure;

  for (;;) {
    if (pos >= n) return error_at("unexpected end of input", pos);
    const char c = in[pos];
    bool key = false;
    if (depth > 0) {
      Token& open = tokens[current];
      if (c == 'e') {
        if (current_dict && (open.aux & 1)) return error_at("missing value for dictionary key", pos);
        const std::uint32_t parent = open.span;
        if (current_dict) open.aux /= 2;
        open.length = pos + 1 - open.offset;
        open.span = static_cast<std::uint32_t>(tokens.size()) - current;
        ++pos;
        if (--depth == 0) break;
        current = parent;
        current_dict = in[tokens[current].offset] == 'd';
        ++tokens[current].aux;
        continue;
      }
      if (current_dict && !(open.aux & 1)) {
        if (!is_digit(c)) return error_at("dictionary key is not a string", pos);
        key = true;
      }
    }
    if (tokens.size() >= max_tokens) {
      return error_at("more than " + std::to_string(max_tokens) + " elements", pos);
    }
    const std::uint32_t start = pos;
    if (is_digit(c)) {
      std::uint32_t header = 0;
      if (!scan_string(in, n, pos, header, failure)) return std::move(*failure);
      if (key && strict && tokens[current].aux > 0) {
        const Token& prev = tokens[tokens[current].length];
        const std::string_view prev_key(in + prev.offset + prev.aux, prev.length - prev.aux);
        const std::string_view this_key(in + start + header, pos - start - header);
        // string_view compares bytes as unsigned char, like memcmp.
        const int order = this_key.compare(prev_key);
        if (order == 0) return error_at("duplicate dictionary key", start);
        if (order < 0) return error_at("dictionary keys not sorted", start);
      }
      tokens.push_back(Token{start, pos - start, 1, header});
      if (key) tokens[current].length = static_cast<std::uint32_t>(tokens.size() - 1);
    } else if (c == 'i') {
      if (!scan_integer(in, n, pos, failure)) return std::move(*failure);
      tokens.push_back(Token{start, pos - start, 1, 0});
    } else if (c == 'l' || c == 'd') {
      if (depth >= max_depth) return error_at("nesting deeper than " + std::to_string(max_depth), pos);
      tokens.push_back(Token{start, 0, current, 0});
      current = static_cast<std::uint32_t>(tokens.size() - 1);
      current_dict = c == 'd';
      ++depth;
      ++pos;
      continue;
    } else {
      return byte_error(c, "", pos);
    }
    if (depth == 0) break;
    ++tokens[current].aux;
  }

  if (pos < n && !options.allow_trailing) return error_at("trailing bytes after the root element", pos);
  return doc;
}

Result<Document> decode(std::string_view input, const DecodeOptions& options) {
  if (input.size() > kMaxInput) {
    return fail("bencode: input of " + std::to_string(input.size()) + " bytes is larger than the " +
                std::to_string(kMaxInput) + " bytes offsets can address");
  }
  return Decoder::run(input, options);
}

// ---------------------------------------------------------------- values

std::int64_t Value::as_int() const {
  if (!is_int()) return 0;
  return parse_valid_int(input_ + token_->offset + 1);
}

std::string_view Value::as_string() const {
  if (!is_string()) return {};
  return string_unchecked();
}

std::size_t Value::size() const {
  const Type t = type();
  return t == Type::list || t == Type::dict ? token_->aux : 0;
}

std::optional<Value> Value::find(std::string_view key) const {
  if (!is_dict()) return std::nullopt;
  const Token* const end = token_ + token_->span;
  for (const Token* k = token_ + 1; k != end; k = (k + 1) + (k + 1)->span) {
    const std::uint32_t length = k->length - k->aux;
    if (length == key.size() && std::memcmp(input_ + k->offset + k->aux, key.data(), length) == 0) {
      return Value(k + 1, input_);
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> Value::find_int(std::string_view key) const {
  auto v = find(key);
  if (!v || !v->is_int()) return std::nullopt;
  return v->as_int();
}

std::optional<std::string_view> Value::find_string(std::string_view key) const {
  auto v = find(key);
  if (!v || !v->is_string()) return std::nullopt;
  return v->string_unchecked();
}

std::optional<Value> Value::find_list(std::string_view key) const {
  auto v = find(key);
  if (!v || !v->is_list()) return std::nullopt;
  return v;
}

std::optional<Value> Value::find_dict(std::string_view key) const {
  auto v = find(key);
  if (!v || !v->is_dict()) return std::nullopt;
  return v;
}

Value::ListRange Value::items() const {
  const Value end = next();
  if (!is_list()) return ListRange(end, end);
  return ListRange(Value(token_ + 1, input_), end);
}

Value::DictRange Value::entries() const {
  const Value end = next();
  if (!is_dict()) return DictRange(end, end);
  return DictRange(Value(token_ + 1, input_), end);
}

// ---------------------------------------------------------------- encoding

Item Item::from(Value value) {
  switch (value.type()) {
    case Type::integer:
      return Item(value.as_int());
    case Type::string:
      return Item(value.as_string());
    case Type::list: {
      List list;
      list.reserve(value.size());
      for (Value v : value.items()) list.push_back(from(v));
      return Item(std::move(list));
    }
    case Type::dict: {
      Dict dict;
      for (auto [key, v] : value.entries()) {
        // Sorted input (the usual case) appends at the end in O(1).
        auto hint = dict.end();
        if (!dict.empty() && !(std::prev(hint)->first < key)) {
          hint = dict.lower_bound(key);
          if (hint != dict.end() && hint->first == key) continue;  // repeated key: keep the first
        }
        dict.emplace_hint(hint, std::string(key), from(v));
      }
      return Item(std::move(dict));
    }
  }
  return Item();
}

namespace {

void put_int(std::int64_t i, std::string& out) {
  char buf[24];
  buf[0] = 'i';
  char* end = std::to_chars(buf + 1, buf + sizeof buf - 1, i).ptr;
  *end++ = 'e';
  out.append(buf, end);
}

void put_string(std::string_view s, std::string& out) {
  char buf[24];
  char* end = std::to_chars(buf, buf + sizeof buf - 1, s.size()).ptr;
  *end++ = ':';
  out.append(buf, end);
  out.append(s);
}

}  // namespace

void encode(const Item& item, std::string& out) {
  switch (item.v.index()) {
    case 0:
      put_int(std::get<0>(item.v), out);
      break;
    case 1:
      put_string(std::get<1>(item.v), out);
      break;
    case 2:
      out += 'l';
      for (const Item& i : std::get<2>(item.v)) encode(i, out);
      out += 'e';
      break;
    case 3:
      out += 'd';
      for (const auto& [k, v] : std::get<3>(item.v)) {
        put_string(k, out);
        encode(v, out);
      }
      out += 'e';
      break;
  }
}

std::string encode(const Item& item) {
  std::string out;
  encode(item, out);
  return out;
}

// ---------------------------------------------------------------- writer

void Writer::check_value() {
#ifndef NDEBUG
  if (!open_.empty() && open_.back().dict) {
    assert(!open_.back().want_key && "bencode::Writer: a dict key must be a string");
    open_.back().want_key = true;
  }
#endif
}

Writer& Writer::integer(std::int64_t i) {
  check_value();
  put_int(i, out_);
  return *this;
}

Writer& Writer::string(std::string_view s) {
#ifndef NDEBUG
  if (!open_.empty() && open_.back().dict && open_.back().want_key) {
    Open& o = open_.back();
    assert((!o.has_key || s > o.last_key) && "bencode::Writer: dict keys must be sorted and unique");
    o.last_key.assign(s);
    o.has_key = true;
    o.want_key = false;
  } else {
    check_value();
  }
#endif
  put_string(s, out_);
  return *this;
}

Writer& Writer::begin_list() {
  check_value();
#ifndef NDEBUG
  open_.push_back(Open{false, true, false, {}});
#endif
  out_ += 'l';
  return *this;
}

Writer& Writer::begin_dict() {
  check_value();
#ifndef NDEBUG
  open_.push_back(Open{true, true, false, {}});
#endif
  out_ += 'd';
  return *this;
}

Writer& Writer::end() {
#ifndef NDEBUG
  assert(!open_.empty() && "bencode::Writer: end() without an open container");
  assert((!open_.back().dict || open_.back().want_key) && "bencode::Writer: dict key without a value");
  open_.pop_back();
#endif
  out_ += 'e';
  return *this;
}

Writer& Writer::raw(std::string_view encoded) {
  check_value();
  assert(decode(encoded).has_value() && "bencode::Writer: raw() needs exactly one valid element");
  out_.append(encoded);
  return *this;
}

}  // namespace btnode::bencode
