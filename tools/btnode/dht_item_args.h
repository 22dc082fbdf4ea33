// What `btnode dht put` and `btnode dht get` share: BEP 44 values as typed
// on the command line and as printed, and ed25519 key files.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "core/result.h"
#include "dht/get_item_lookup.h"
#include "dht/item.h"

namespace btnode::cli {

// VALUE as given: a text stored as a bencoded string, or (bencoded = true)
// bencode that must be canonical. Either way at most 1000 bytes encoded.
Result<std::string> item_value_arg(const std::string& value, bool bencoded);

// A key file holds the 32-byte ed25519 seed as 64 hex digits (one line).
// Missing: a new key is made and saved (mode 0600) when `create` is set.
Result<dht::Ed25519SecretKey> load_key_file(const std::filesystem::path& path, bool create);

// The value for people: the string itself when the value is a bencoded
// string, else the bencode as is.
std::string item_value_text(std::string_view bencoded);
// The JSON fields of a found item (value, value_bencoded, and for mutable
// items key, seq and sig in hex).
nlohmann::json item_json(const dht::ItemKey& key, const dht::FoundItem& item);

}  // namespace btnode::cli
