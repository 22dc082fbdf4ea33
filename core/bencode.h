// Bencode (BEP 3): a bounded, zero-copy decoder and a canonical encoder.
//
// decode() builds a flat index of tokens over the caller's buffer; values are
// views into that buffer, so the caller keeps the input alive while the
// Document is used. Every length is checked against the bytes left before
// anything is read, nesting is bounded, integers are validated, and the raw
// bytes of any element stay available (the info-hash is the SHA-1 of the
// `info` dictionary exactly as received).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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

// A view of one element inside a Document. Cheap to copy.
class Value {
 public:
  Value() = default;

  Type type() const;
  bool is_int() const { return type() == Type::integer; }
  bool is_string() const { return type() == Type::string; }
  bool is_list() const { return type() == Type::list; }
  bool is_dict() const { return type() == Type::dict; }

  std::int64_t as_int() const;        // precondition: is_int()
  std::string_view as_string() const;  // precondition: is_string()

  // Number of items in a list, or of key/value pairs in a dict.
  std::size_t size() const;

  // Dictionary lookup (linear over the dict's keys, no allocation).
  std::optional<Value> find(std::string_view key) const;
  // Typed lookups: empty when the key is absent or has another type.
  std::optional<std::int64_t> find_int(std::string_view key) const;
  std::optional<std::string_view> find_string(std::string_view key) const;
  std::optional<Value> find_list(std::string_view key) const;
  std::optional<Value> find_dict(std::string_view key) const;

  // The exact bytes of this element in the input buffer.
  std::string_view raw() const;
  // Byte offset of this element's first byte in the input buffer.
  std::size_t offset() const;

  // Iteration over list items.
  class ListIterator;
  class ListRange;
  ListRange items() const;  // precondition: is_list()

  // Iteration over dict entries, in input order.
  struct Entry;
  class DictIterator;
  class DictRange;
  DictRange entries() const;  // precondition: is_dict()

 private:
  friend class Document;
  Value(const Document* doc, std::uint32_t index) : doc_(doc), index_(index) {}
  std::uint32_t next_index() const;  // index of the following sibling token

  const Document* doc_ = nullptr;
  std::uint32_t index_ = 0;
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
  ListIterator(Value v) : v_(v) {}
  Value operator*() const { return v_; }
  ListIterator& operator++() {
    v_ = Value(v_.doc_, v_.next_index());
    return *this;
  }
  ListIterator operator++(int) {
    auto old = *this;
    ++*this;
    return old;
  }
  bool operator==(const ListIterator& o) const { return v_.index_ == o.v_.index_; }

 private:
  Value v_;
};

class Value::ListRange {
 public:
  ListRange(ListIterator b, ListIterator e) : b_(b), e_(e) {}
  ListIterator begin() const { return b_; }
  ListIterator end() const { return e_; }

 private:
  ListIterator b_, e_;
};

class Value::DictIterator {
 public:
  using value_type = Entry;
  using difference_type = std::ptrdiff_t;
  DictIterator() = default;
  DictIterator(Value key) : key_(key) {}
  Entry operator*() const;
  DictIterator& operator++();
  DictIterator operator++(int) {
    auto old = *this;
    ++*this;
    return old;
  }
  bool operator==(const DictIterator& o) const { return key_.index_ == o.key_.index_; }

 private:
  Value key_;  // the key token; its value is the token after it
};

class Value::DictRange {
 public:
  DictRange(DictIterator b, DictIterator e) : b_(b), e_(e) {}
  DictIterator begin() const { return b_; }
  DictIterator end() const { return e_; }

 private:
  DictIterator b_, e_;
};

// One token of the flat index. Containers store the index one past their last
// descendant so siblings can be skipped in O(1).
struct Token {
  std::uint32_t offset;   // first byte of the element in the input
  std::uint32_t length;   // bytes of the whole element (raw())
  std::uint32_t next;     // index of the next sibling token
  std::uint32_t payload;  // strings: offset of the first content byte; lists/dicts: item count
  std::int64_t integer;   // integers: the value
  Type type;
};

class Document {
 public:
  Value root() const { return Value(this, 0); }
  std::string_view input() const { return input_; }
  // Bytes the root element occupies (less than input().size() with allow_trailing).
  std::size_t consumed() const;

 private:
  friend class Value;
  friend class Decoder;
  std::string_view input_;
  std::vector<Token> tokens_;
};

// Decodes exactly one element. Errors read like
// "bencode: leading zero in integer at byte 3".
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
  Item(std::string s) : v(std::move(s)) {}          // NOLINT
  Item(std::string_view s) : v(std::string(s)) {}   // NOLINT
  Item(const char* s) : v(std::string(s)) {}        // NOLINT
  Item(List l) : v(std::move(l)) {}                 // NOLINT
  Item(Dict d) : v(std::move(d)) {}                 // NOLINT

  // Converts a decoded view into an owned item.
  static Item from(Value value);
};

// Appends the canonical encoding of `item` to `out`.
void encode(const Item& item, std::string& out);
std::string encode(const Item& item);

// A streaming writer for hot paths (KRPC, peer-wire extension messages) that
// cannot afford a tree. The caller writes dict keys in sorted order; debug
// builds assert it.
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
  std::string& out_;
};

}  // namespace btnode::bencode
