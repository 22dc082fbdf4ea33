#include "core/path_sanitize.h"

namespace btnode {
namespace {

// Shows a component in an error message without letting a hostile torrent
// put control bytes or a 10 KB name into our logs.
std::string printable(std::string_view s) {
  constexpr std::size_t kMaxShown = 64;
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > kMaxShown) out += "...";
  return out;
}

}  // namespace

Result<void> check_path_component(std::string_view component) {
  const std::string shown = "path component '" + printable(component) + "'";
  if (component.empty()) return fail("empty path component");
  if (component == "." || component == "..") {
    return fail(shown + " would escape the download directory");
  }
  if (component.find('/') != std::string_view::npos) {
    return fail(shown + " contains '/' (absolute path or hidden directory)");
  }
  if (component.find('\\') != std::string_view::npos) {
    return fail(shown + " contains '\\' (a path separator on Windows)");
  }
  if (component.find('\0') != std::string_view::npos) {
    return fail(shown + " contains a NUL byte");
  }
  if (component.size() > kMaxPathComponentBytes) {
    return fail(shown + " is longer than 255 bytes");
  }
  return {};
}

Result<std::string> sanitize_relative_path(const std::vector<std::string>& components) {
  if (components.empty()) return fail("empty path");
  std::string joined;
  for (const auto& c : components) {
    if (auto ok = check_path_component(c); !ok) return fail(ok.error());
    if (!joined.empty()) joined += '/';
    joined += c;
    if (joined.size() > kMaxRelativePathBytes) {
      return fail("path '" + printable(joined) + "' is longer than 4095 bytes");
    }
  }
  return joined;
}

}  // namespace btnode
