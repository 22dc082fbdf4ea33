// Bencode (BEP 3): a bounded, zero-copy decoder and a canonical encoder.
//
// decode() builds a flat index of tokens over the caller's buffer; values are
// views into that buffer, so the caller keeps the input alive while the
// Document is used. Every length is checked against the bytes left before
// anything is read, nesting is bounded, integers are validated, and the raw
// bytes of any element stay available (the info-hash is the SHA-1 of the
// `info` dictionary exactly as received).
#pragma once

#include <cassert>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/result.h"

namespace btnode::bencode {

enum class Type : std::uint8_t { integer, string, list, dict };

struct DecodeOptions {
  // Nesting limit; hostile input must not exhaust the stack or the index.
  int max_depth = 32;
  // Upper bound on the number of elements (tokens) in one document.
  std::size_t max_tokens = 4'000'000;
  // Require dictionary keys to be sorted (raw byte order) and unique.
  bool strict_keys = false;
  // Accept bytes after the first complete element (they are ignored).
  bool allow_trailing = false;
};

class Document;

// One token of the flat index, 16 bytes. Tokens are stored in input order
// (pre-order), so a container's descendants follow it and `span` skips them
// in O(1). The element's type is its first input byte (i, l, d or a digit).
struct Token {
  std::uint32_t offset;  // first byte of the element in the input
  std::uint32_t length;  // bytes of the whole element (raw())
  std::uint32_t span;    // 1 + number of descendant tokens; the next sibling is this + span
  std::uint32_t aux;     // strings: bytes of the "<len>:" prefix; lists: items; dicts: pairs
};

// A view of one element inside a Document. Cheap to copy (two pointers).
//
// A Value points into the Document's token index and into the caller's input
// buffer, so it stays valid while both are alive, also after the Document is
// moved (moving keeps the index's storage). A default-constructed Value refers
// to nothing; calling any member on it is undefined.
//
// Accessors called on the wrong type are safe and return an empty answer:
// as_int() gives 0, as_string() "", size() 0 (also for strings), find*()
// nothing, items()/entries() an empty range.
class Value {
 public:
  Value() = default;

  Type type() const;
  bool is_int() const { return type() == Type::integer; }
  bool is_string() const { return type() == Type::string; }
  bool is_list() const { return type() == Type::list; }
  bool is_dict() const { return type() == Type::dict; }

  std::int64_t as_int() const;        // precondition: is_int() (else 0)
  std::string_view as_string() const;  // precondition: is_string() (else "")

  // Number of items in a list, or of key/value pairs in a dict; 0 otherwise.
  std::size_t size() const;

  // Dictionary lookup (linear over the dict's keys, no allocation). If a
  // non-strict document repeats a key, the first occurrence wins.
  std::optional<Value> find(std::string_view key) const;
  // Typed lookups: empty when the key is absent or has another type.
  std::optional<std::int64_t> find_int(std::string_view key) const;
  std::optional<std::string_view> find_string(std::string_view key) const;
  std::optional<Value> find_list(std::string_view key) const;
  std::optional<Value> find_dict(std::string_view key) const;

  // The exact bytes of this element in the input buffer.
  std::string_view raw() const { return {input_ + token_->offset, token_->length}; }
  // Byte offset of this element's first byte in the input buffer.
  std::size_t offset() const { return token_->offset; }

  // Iteration over list items.
  class ListIterator;
  class ListRange;
  ListRange items() const;  // precondition: is_list() (else empty)

  // Iteration over dict entries, in input order.
  struct Entry;
  class DictIterator;
  class DictRange;
  DictRange entries() const;  // precondition: is_dict() (else empty)

  // Identity: both refer to the same element of the same document.
  bool operator==(const Value& o) const { return token_ == o.token_; }

 private:
  friend class Document;
  Value(const Token* token, const char* input) : token_(token), input_(input) {}
  Value next() const { return Value(token_ + token_->span, input_); }  // following sibling
  std::string_view string_unchecked() const {
    return {input_ + token_->offset + token_->aux, token_->length - token_->aux};
  }

  const Token* token_ = nullptr;
  const char* input_ = nullptr;  // start of the whole input buffer
};

struct Value::Entry {
  std::string_view key;
  Value value;
};

class Value::ListIterator {
 public:
  using value_type = Value;
  using difference_type = std::ptrdiff_t;
  ListIterator() = default;
  ListIterator(Value v) : v_(v) {}  // NOLINT
  Value operator*() const { return v_; }
  ListIterator& operator++() {
    v_ = v_.next();
    return *this;
  }
  ListIterator operator++(int) {
    auto old = *this;
    ++*this;
    return old;
  }
  bool operator==(const ListIterator& o) const { return v_ == o.v_; }

 private:
  Value v_;
};

class Value::ListRange {
 public:
  ListRange(ListIterator b, ListIterator e) : b_(b), e_(e) {}
  ListIterator begin() const { return b_; }
  ListIterator end() const { return e_; }
  bool empty() const { return b_ == e_; }

 private:
  ListIterator b_, e_;
};

class Value::DictIterator {
 public:
  using value_type = Entry;
  using difference_type = std::ptrdiff_t;
  DictIterator() = default;
  DictIterator(Value key) : key_(key) {}  // NOLINT
  Entry operator*() const { return Entry{key_.string_unchecked(), value()}; }
  DictIterator& operator++() {
    key_ = value().next();
    return *this;
  }
  DictIterator operator++(int) {
    auto old = *this;
    ++*this;
    return old;
  }
  bool operator==(const DictIterator& o) const { return key_ == o.key_; }

 private:
  Value value() const { return Value(key_.token_ + 1, key_.input_); }  // keys are strings: span 1
  Value key_;  // the key token; its value is the token after it
};

class Value::DictRange {
 public:
  DictRange(DictIterator b, DictIterator e) : b_(b), e_(e) {}
  DictIterator begin() const { return b_; }
  DictIterator end() const { return e_; }
  bool empty() const { return b_ == e_; }

 private:
  DictIterator b_, e_;
};

inline Type Value::type() const {
  switch (input_[token_->offset]) {
    case 'i':
      return Type::integer;
    case 'l':
      return Type::list;
    case 'd':
      return Type::dict;
    default:
      return Type::string;  // a length digit
  }
}

// The result of decode(): the caller's input plus the token index over it.
// root() of a default-constructed Document is undefined.
class Document {
 public:
  Value root() const { return Value(tokens_.data(), input_.data()); }
  std::string_view input() const { return input_; }
  // Bytes the root element occupies (less than input().size() with allow_trailing).
  std::size_t consumed() const { return tokens_.empty() ? 0 : tokens_[0].length; }
  // Number of elements in the document (all nesting levels).
  std::size_t element_count() const { return tokens_.size(); }

 private:
  friend class Decoder;
  std::string_view input_;
  std::vector<Token> tokens_;
};

// Decodes exactly one element. Errors name the problem and the byte offset
// where it was found, e.g. "bencode: leading zero in integer at byte 3":
//   - end of input: the offset is the input size;
//   - leading zero (integer or string length): the offending '0';
//   - negative zero: the '-'; integer out of range: the first byte after 'i';
//   - string length larger than the bytes left: the string's first byte, and
//     "bytes left" counts the bytes after the ':';
//   - nesting too deep: the 'l'/'d' that opens one level too many;
//   - non-string, unsorted or duplicate dict key: the key's first byte;
//   - trailing bytes: the first byte after the root element.
// Inputs larger than 4 GiB - 1 bytes are rejected before anything is read.
Result<Document> decode(std::string_view input, const DecodeOptions& options = {});

// ---------------------------------------------------------------- encoding

// An owned bencode value, for building messages and torrents. Dicts are
// std::map, so encoding is canonical (keys in raw byte order) by construction.
struct Item {
  using List = std::vector<Item>;
  using Dict = std::map<std::string, Item, std::less<>>;
  std::variant<std::int64_t, std::string, List, Dict> v;

  Item() : v(Dict{}) {}
  Item(std::int64_t i) : v(i) {}                    // NOLINT
  Item(int i) : v(std::int64_t{i}) {}               // NOLINT
  // Other integer types (size_t, uint32_t, ...); debug builds assert the
  // value fits in int64.
  template <std::integral T>
    requires(!std::same_as<T, bool> && !std::same_as<T, char> && !std::same_as<T, int> &&
             !std::same_as<T, std::int64_t>)
  Item(T i) : v(static_cast<std::int64_t>(i)) {  // NOLINT
    if constexpr (std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
      assert(i <= static_cast<T>(INT64_MAX));
    }
  }
  Item(std::string s) : v(std::move(s)) {}          // NOLINT
  Item(std::string_view s) : v(std::string(s)) {}   // NOLINT
  Item(const char* s) : v(std::string(s)) {}        // NOLINT
  Item(List l) : v(std::move(l)) {}                 // NOLINT
  Item(Dict d) : v(std::move(d)) {}                 // NOLINT

  // Converts a decoded view into an owned item. Dict keys are re-sorted; if a
  // (non-strict) document repeats a key, the first occurrence is kept, like
  // Value::find(). So encode(from(v)) == v.raw() exactly when v was decoded
  // with strict_keys (strict input is canonical), and otherwise is the
  // canonical form of v.
  static Item from(Value value);

  bool operator==(const Item&) const = default;
};

// Appends the canonical encoding of `item` to `out`.
void encode(const Item& item, std::string& out);
std::string encode(const Item& item);

// A streaming writer for hot paths (KRPC, peer-wire extension messages) that
// cannot afford a tree. The caller writes dict keys in sorted order (raw byte
// order, no repeats) and closes every container with end(). When bencode.cpp
// is built without NDEBUG, every call asserts this (and that raw() gets one
// valid element); release builds only append bytes.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  Writer& integer(std::int64_t i);
  Writer& string(std::string_view s);
  Writer& begin_list();
  Writer& begin_dict();
  Writer& end();
  // Appends already-encoded bencode (e.g. a stored `info` dict) verbatim.
  Writer& raw(std::string_view encoded);

 private:
  // Debug bookkeeping for one open container (unused in release builds; kept
  // in every build so the layout does not depend on NDEBUG).
  struct Open {
    bool dict = false;
    bool want_key = true;  // dicts: the next element is a key
    bool has_key = false;  // dicts: last_key is set
    std::string last_key;
  };
  void check_value();  // debug: an element may start here
  std::string& out_;
  std::vector<Open> open_;
};

}  // namespace btnode::bencode
