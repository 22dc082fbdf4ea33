#include "tools/btnode/dht_item_args.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "core/bencode.h"
#include "core/random.h"
#include "storage/atomic_file.h"

namespace btnode::cli {

Result<std::string> item_value_arg(const std::string& value, bool bencoded) {
  std::string encoded;
  if (!bencoded) {
    encoded = bencode::encode(bencode::Item(value));
  } else {
    auto doc = bencode::decode(value);
    if (!doc) return fail("value: " + doc.error().message);
    encoded = bencode::encode(bencode::Item::from(doc->root()));
    if (encoded != value) return fail("value: bencode is not canonical (keys unsorted?)");
  }
  if (encoded.size() > dht::kBep44MaxValueSize)
    return fail("value: " + std::to_string(encoded.size()) + " bytes bencoded, BEP 44 allows " +
                std::to_string(dht::kBep44MaxValueSize));
  return encoded;
}

Result<dht::Ed25519SecretKey> load_key_file(const std::filesystem::path& path, bool create) {
  dht::Ed25519Seed seed{};
  std::ifstream in(path);
  if (in) {
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    const auto bytes = from_hex(line);
    if (!bytes || bytes->size() != seed.size())
      return fail(path.string() + ": not a key file (64 hex digits of an ed25519 seed)");
    std::copy(bytes->begin(), bytes->end(), seed.begin());
    return dht::ed25519_secret_key(seed);
  }
  if (!create) return fail(path.string() + ": cannot read the key file");
  random_bytes(seed.data(), seed.size());
  const std::string text = to_hex(dht::bytes_view(seed)) + "\n";
  const mode_t old_mask = ::umask(077);
  auto written = storage::write_file_atomically(path, text);
  ::umask(old_mask);
  if (!written) return fail(path.string() + ": " + written.error().message);
  return dht::ed25519_secret_key(seed);
}

std::string item_value_text(std::string_view bencoded) {
  auto doc = bencode::decode(bencoded);
  if (doc && doc->root().is_string()) return std::string(doc->root().as_string());
  return std::string(bencoded);
}

nlohmann::json item_json(const dht::ItemKey& key, const dht::FoundItem& item) {
  nlohmann::json j{{"target", key.target.to_hex()},
                   {"value", item_value_text(item.value)},
                   {"value_bencoded", item.value}};
  if (key.is_mutable()) {
    j["key"] = to_hex(item.public_key);
    j["salt"] = key.salt;
    j["seq"] = item.seq;
    j["sig"] = to_hex(item.signature);
  }
  return j;
}

}  // namespace btnode::cli
