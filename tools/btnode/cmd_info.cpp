// `btnode info TORRENT|MAGNET`: what a torrent or magnet link describes (CLI.md).
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "core/magnet.h"
#include "core/metainfo.h"
#include "tools/btnode/common.h"

namespace btnode::cli {
namespace {

bool looks_like_magnet(std::string_view arg) {
  constexpr std::string_view kScheme = "magnet:";
  if (arg.size() < kScheme.size()) return false;
  return std::equal(kScheme.begin(), kScheme.end(), arg.begin(), [](char a, char b) {
    return a == std::tolower(static_cast<unsigned char>(b));
  });
}

nlohmann::json files_json(const Metainfo& meta) {
  auto files = nlohmann::json::array();
  for (const auto& f : meta.files) {
    files.push_back({{"path", f.relative_path}, {"size", f.size}, {"pad", f.pad()}});
  }
  return files;
}

void print_torrent_json(const Metainfo& meta) {
  print_json_line({{"name", meta.name},
                   {"info_hash", meta.info_hash.v1_hex()},
                   {"total_size", meta.total_size},
                   {"piece_length", meta.piece_length},
                   {"piece_count", meta.piece_count()},
                   {"private", meta.is_private},
                   {"files", files_json(meta)},
                   {"trackers", meta.trackers},
                   {"web_seeds", meta.web_seeds},
                   {"comment", meta.comment},
                   {"created_by", meta.created_by},
                   {"hybrid", meta.hybrid},
                   {"magnet", magnet_link(meta)}});
}

void print_files_table(const Metainfo& meta) {
  std::size_t real = static_cast<std::size_t>(
      std::count_if(meta.files.begin(), meta.files.end(), [](const auto& f) { return !f.pad(); }));
  std::cout << "files (" << real << "):\n";
  for (const auto& f : meta.files) {
    if (f.pad()) continue;  // BEP 47 padding is an alignment detail, not content
    char size[64];
    std::snprintf(size, sizeof size, "%12s %14lld", human_size(f.size).c_str(),
                  static_cast<long long>(f.size));
    std::cout << "  " << size << "  " << f.relative_path << '\n';
  }
}

void print_torrent_human(const Metainfo& meta) {
  std::cout << "name:       " << meta.name << '\n'
            << "info-hash:  " << meta.info_hash.v1_hex() << '\n'
            << "size:       " << human_size(meta.total_size) << " (" << meta.total_size
            << " bytes)\n"
            << "pieces:     " << meta.piece_count() << " x " << human_size(meta.piece_length)
            << " (" << meta.piece_length << " bytes)\n"
            << "private:    " << (meta.is_private ? "yes" : "no") << '\n';
  for (std::size_t t = 0; t < meta.trackers.size(); ++t) {
    for (const auto& url : meta.trackers[t])
      std::cout << "tracker:    [" << t << "] " << url << '\n';
  }
  for (const auto& url : meta.web_seeds) std::cout << "web seed:   " << url << '\n';
  if (!meta.comment.empty()) std::cout << "comment:    " << meta.comment << '\n';
  if (!meta.created_by.empty()) std::cout << "created by: " << meta.created_by << '\n';
  std::cout << "magnet:     " << magnet_link(meta) << '\n';
  print_files_table(meta);
}

int info_torrent(const std::string& path, const GlobalOptions& globals) {
  auto meta = load_torrent_file(path);
  if (!meta) return job_failed(meta.error().message);
  if (globals.json) {
    print_torrent_json(*meta);
  } else {
    print_torrent_human(*meta);
  }
  return kExitOk;
}

std::vector<std::string> magnet_peers(const Magnet& m) {
  std::vector<std::string> peers;
  for (const auto& ep : m.peers) peers.push_back(ep.to_string());
  for (const auto& hp : m.peer_hosts) peers.push_back(hp.to_string());
  return peers;
}

std::string v2_hex(const InfoHash& ih) {
  if (!ih.v2) return {};
  return to_hex({reinterpret_cast<const char*>(ih.v2->data()), ih.v2->size()});
}

void print_magnet_json(const Magnet& m) {
  nlohmann::json out = {
      {"info_hash", m.info_hash.v1_hex()}, {"name", m.display_name},   {"trackers", m.trackers},
      {"web_seeds", m.web_seeds},          {"peers", magnet_peers(m)}, {"magnet", m.to_string()}};
  if (m.info_hash.v2) out["info_hash_v2"] = v2_hex(m.info_hash);
  print_json_line(out);
}

void print_magnet_human(const Magnet& m) {
  if (m.info_hash.v1) std::cout << "info-hash:  " << m.info_hash.v1_hex() << '\n';
  if (m.info_hash.v2) std::cout << "info-hash2: " << v2_hex(m.info_hash) << " (v2)\n";
  if (!m.display_name.empty()) std::cout << "name:       " << m.display_name << '\n';
  for (const auto& url : m.trackers) std::cout << "tracker:    " << url << '\n';
  for (const auto& url : m.web_seeds) std::cout << "web seed:   " << url << '\n';
  for (const auto& peer : magnet_peers(m)) std::cout << "peer:       " << peer << '\n';
}

// A magnet link carries no metadata: show only what the link itself has.
int info_magnet(const std::string& link, const GlobalOptions& globals) {
  auto magnet = Magnet::parse(link);
  if (!magnet) return job_failed(magnet.error().message);
  if (globals.json) {
    print_magnet_json(*magnet);
  } else {
    print_magnet_human(*magnet);
  }
  return kExitOk;
}

}  // namespace

void register_info(CLI::App& app, GlobalOptions& globals, Action& action) {
  auto source = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("info", "Show what a .torrent file or magnet link describes");
  cmd->add_option("SOURCE", *source, ".torrent file or magnet: link")->required();
  add_global_options(*cmd, globals);
  cmd->callback([source, &globals, &action] {
    action = [source, &globals] {
      return looks_like_magnet(*source) ? info_magnet(*source, globals)
                                        : info_torrent(*source, globals);
    };
  });
}

}  // namespace btnode::cli
