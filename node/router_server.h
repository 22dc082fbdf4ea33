// The I/O side of `btnode bootstrap`: dht::Router responders on plain
// non-blocking UDP sockets, one thread per responder.
//
// Each thread owns one socket per bind address, all bound to the same port
// with SO_REUSEPORT, so the kernel spreads sources over the threads (a given
// source always lands on the same one). The node buffer is one for all:
// a thread reads it under a shared lock taken once per batch of datagrams
// and inserts the nodes it verified under an exclusive one (inserts are
// rare: one per node per quarter hour), so every querier is answered from
// the whole buffer whichever thread it lands on. Datagrams move in batches: recvmmsg in, sendmmsg out. The
// responders share one SYN-cookie master key, so a verification reply that
// lands on another thread is still accepted. Plain sockets rather than Asio:
// the loop is a single poll + recvmmsg + sendmmsg, and batching is the point.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/endpoint.h"
#include "core/result.h"
#include "dht/krpc.h"
#include "dht/router.h"

namespace btnode::node {

struct RouterServerOptions {
  std::vector<Endpoint> bind;  // addresses (ports ignored); empty: 0.0.0.0 and ::
  std::uint16_t port = 6881;   // 0 picks one
  unsigned threads = 1;
  // Capacities are for the shared buffer; budgets are shared out per thread.
  dht::RouterOptions router;
  // Where the node buffer is saved on stop and loaded on start; empty: nowhere.
  std::filesystem::path state_file;
};

struct RouterServerStats {
  dht::RouterStats router;
  std::uint64_t send_failures = 0;
  std::size_t nodes_v4 = 0, nodes_v6 = 0;
  std::size_t capacity_v4 = 0, capacity_v6 = 0;
};

class RouterServer {
 public:
  explicit RouterServer(RouterServerOptions options);
  ~RouterServer();
  RouterServer(const RouterServer&) = delete;
  RouterServer& operator=(const RouterServer&) = delete;

  // Opens every socket, loads the saved buffer (a missing or damaged one
  // leaves it empty, with a warning for the latter; an unreadable one is an
  // error), then starts the threads.
  Result<void> start();
  // Stops and joins the threads. Idempotent.
  void stop();
  // Writes the buffer atomically (safe while running). Returns the number
  // of nodes saved.
  Result<std::size_t> save() const;

  std::vector<Endpoint> local_endpoints() const { return local_; }
  const NodeId& id() const { return options_.router.id; }
  std::size_t loaded() const { return loaded_; }
  // Sums what each thread last published (at most ~0.2 s old).
  RouterServerStats stats() const;

  // The buffer file format (also used by tests): a header line, the id, then
  // counts and entries, oldest first.
  static std::string encode_buffer(const NodeId& id, const dht::RouterRings& rings);
  struct Buffer {
    NodeId id;
    std::string v4, v6;  // back-to-back entries
  };
  static Result<Buffer> decode_buffer(std::string_view bytes);

 private:
  struct Worker;
  Result<void> open_sockets();
  Result<void> load();
  void run(Worker& w);
  void insert_verified(dht::Router& router);

  RouterServerOptions options_;
  std::vector<Endpoint> local_;
  dht::RouterRings rings_;
  mutable std::shared_mutex rings_mutex_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  std::size_t loaded_ = 0;
};

}  // namespace btnode::node
