#include "core/percent.h"

#include "core/ids.h"

namespace btnode {
namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

void percent_encode(std::string_view value, std::string& out, PercentSet set) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : value) {
    bool keep = is_unreserved(c) ||
                (set == PercentSet::query_value && (c == ':' || c == '/' || c == '@'));
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
}

std::string percent_encode(std::string_view value, PercentSet set) {
  std::string out;
  out.reserve(value.size() * 3);
  percent_encode(value, out, set);
  return out;
}

std::optional<std::string> percent_decode(std::string_view raw, std::size_t* bad_at) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '%') {
      out.push_back(raw[i]);
      continue;
    }
    auto byte = i + 2 < raw.size() ? from_hex(raw.substr(i + 1, 2)) : std::nullopt;
    if (!byte) {
      if (bad_at) *bad_at = i;
      return std::nullopt;
    }
    out += *byte;
    i += 2;
  }
  return out;
}

}  // namespace btnode
