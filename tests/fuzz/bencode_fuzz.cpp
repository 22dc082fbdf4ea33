// libFuzzer target for the bencode codec.
//
// Every input is decoded with the default options, with strict_keys and with
// allow_trailing. Whatever decodes is walked completely through the public
// accessors, cross-checking them against each other; strict documents must
// re-encode to exactly their input bytes, and every document's canonical
// encoding must decode strictly to the same item.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/bencode.h"

namespace {

using namespace btnode::bencode;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "bencode_fuzz: invariant failed: %s\n", what);
    std::abort();
  }
}

// Touches every accessor of `v` and its descendants; returns the number of
// elements visited. Recursion is bounded by DecodeOptions::max_depth.
std::size_t walk(Value v, std::string_view input) {
  const std::string_view raw = v.raw();
  check(raw.data() >= input.data() && raw.data() + raw.size() <= input.data() + input.size(), "raw inside input");
  check(v.offset() == static_cast<std::size_t>(raw.data() - input.data()), "offset matches raw");
  check(!raw.empty(), "raw not empty");
  // Exactly one is_*() holds, and it agrees with type().
  check(v.is_int() + v.is_string() + v.is_list() + v.is_dict() == 1, "one type");
  check(v.is_int() == (v.type() == Type::integer) && v.is_string() == (v.type() == Type::string) &&
            v.is_list() == (v.type() == Type::list) && v.is_dict() == (v.type() == Type::dict),
        "type agrees");
  // Each element's raw bytes decode on their own to the same structure.
  DecodeOptions deep;
  deep.max_depth = 1 << 20;
  auto alone = decode(raw, deep);
  check(alone.has_value(), "raw decodes alone");
  check(alone->root().type() == v.type() && alone->root().raw() == raw, "raw round trip");

  std::size_t count = 1;
  switch (v.type()) {
    case Type::integer: {
      check(v.as_string().empty() && v.size() == 0 && !v.find("") && v.items().empty() && v.entries().empty(),
            "int: other accessors empty");
      check(encode(Item(v.as_int())) == raw, "int encodes back");
      break;
    }
    case Type::string: {
      const std::string_view s = v.as_string();
      check(s.data() + s.size() == raw.data() + raw.size(), "string content ends the element");
      check(v.as_int() == 0 && v.size() == 0 && !v.find_int("") && v.items().empty() && v.entries().empty(),
            "string: other accessors empty");
      check(encode(Item(s)) == raw, "string encodes back");
      break;
    }
    case Type::list: {
      std::size_t n = 0;
      const char* expect = raw.data() + 1;
      for (Value item : v.items()) {
        check(item.raw().data() == expect, "list items are contiguous");
        expect = item.raw().data() + item.raw().size();
        count += walk(item, input);
        ++n;
      }
      check(expect + 1 == raw.data() + raw.size() && *expect == 'e', "list ends after its items");
      check(n == v.size(), "list size");
      check(!v.find("") && v.entries().empty() && v.as_int() == 0 && v.as_string().empty(),
            "list: other accessors empty");
      break;
    }
    case Type::dict: {
      std::size_t n = 0;
      const char* expect = raw.data() + 1;
      for (auto [key, value] : v.entries()) {
        check(key.data() > expect && key.data() + key.size() == value.raw().data(), "key precedes its value");
        expect = value.raw().data() + value.raw().size();
        count += 1 + walk(value, input);
        ++n;
        // find() returns the first entry with this key.
        auto found = v.find(key);
        check(found.has_value(), "find key");
        for (auto [k2, v2] : v.entries()) {
          if (k2 == key) {
            check(v2 == *found, "find returns the first occurrence");
            break;
          }
        }
        check(v.find_int(key).has_value() == found->is_int(), "find_int");
        check(v.find_string(key).has_value() == found->is_string(), "find_string");
        check(v.find_list(key).has_value() == found->is_list(), "find_list");
        check(v.find_dict(key).has_value() == found->is_dict(), "find_dict");
        if (found->is_int()) check(*v.find_int(key) == found->as_int(), "find_int value");
        if (found->is_string()) check(*v.find_string(key) == found->as_string(), "find_string value");
      }
      check(expect + 1 == raw.data() + raw.size() && *expect == 'e', "dict ends after its entries");
      check(n == v.size(), "dict size");
      check(v.items().empty() && v.as_int() == 0 && v.as_string().empty(), "dict: other accessors empty");
      break;
    }
  }
  return count;
}

void write(const Item& item, Writer& w) {
  switch (item.v.index()) {
    case 0:
      w.integer(std::get<0>(item.v));
      break;
    case 1:
      w.string(std::get<1>(item.v));
      break;
    case 2:
      w.begin_list();
      for (const Item& i : std::get<2>(item.v)) write(i, w);
      w.end();
      break;
    case 3:
      w.begin_dict();
      for (const auto& [k, v] : std::get<3>(item.v)) {
        w.string(k);
        write(v, w);
      }
      w.end();
      break;
  }
}

void check_document(const Document& doc, std::string_view input, bool strict) {
  const Value root = doc.root();
  check(doc.consumed() == root.raw().size() && root.offset() == 0, "consumed");
  check(doc.consumed() <= input.size(), "consumed within input");
  check(walk(root, input) == doc.element_count(), "walk visits every element");

  const Item item = Item::from(root);
  const std::string canonical = encode(item);
  if (strict) check(canonical == root.raw(), "strict input re-encodes byte for byte");

  DecodeOptions o;
  o.strict_keys = true;
  o.max_depth = 1 << 20;
  auto again = decode(canonical, o);
  check(again.has_value(), "canonical encoding decodes strictly");
  check(Item::from(again->root()) == item, "canonical encoding round trips");

  std::string streamed;
  Writer w(streamed);
  write(item, w);
  check(streamed == canonical, "Writer matches encode");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto plain = decode(input);
  if (plain) check_document(*plain, input, false);

  DecodeOptions strict;
  strict.strict_keys = true;
  auto checked = decode(input, strict);
  if (checked) {
    check(plain.has_value(), "strict success implies default success");
    check_document(*checked, input, true);
  } else {
    const std::string& m = checked.error().message;
    check(m.rfind("bencode: ", 0) == 0 && m.find(" at byte ") != std::string::npos, "error format");
  }
  if (!plain) {
    const std::string& m = plain.error().message;
    check(m.rfind("bencode: ", 0) == 0 && m.find(" at byte ") != std::string::npos, "error format");
  }

  DecodeOptions trailing;
  trailing.allow_trailing = true;
  auto prefix = decode(input, trailing);
  if (prefix) {
    check(prefix->consumed() <= input.size(), "consumed bound");
    check(plain.has_value() == (prefix->consumed() == input.size()), "trailing agrees with default");
    check(decode(input.substr(0, prefix->consumed())).has_value(), "prefix decodes alone");
  } else {
    check(!plain.has_value(), "allow_trailing accepts what default accepts");
  }
  return 0;
}
