// HTTP(S) GETs through libcurl for the io_context's owner. One worker thread
// runs a curl multi handle (so a hanging tracker never blocks the io thread
// and many requests share the thread); each result is posted back to the
// io_context. TLS, redirects, proxies and gzip are libcurl's.
//
// Chosen over curl's socket-callback integration with Asio for simplicity:
// tracker requests are a few per torrent per half hour, so a thread costs
// nothing measurable and keeps curl's state machine off the io thread.
#pragma once

#include <asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace btnode::node {

struct HttpResult {
  long status = 0;     // HTTP status; 0 when the request failed before an answer
  std::string body;    // at most the request's max_body bytes
  std::string error;   // empty on success (any status); else one line
};

struct HttpRequest {
  std::string url;
  std::chrono::milliseconds timeout{20'000};  // whole request, connect included
  std::size_t max_body = 2 * 1024 * 1024;
  std::string interface;  // local address to bind (CURLOPT_INTERFACE), or empty
  // PEM file of CA certificates that https:// servers are verified against
  // (CURLOPT_CAINFO) instead of the system's; empty: the system's store.
  // The peer's certificate and host name are always verified.
  std::string ca_file;
};

class HttpFetcher {
 public:
  using Callback = std::function<void(HttpResult)>;

  explicit HttpFetcher(asio::io_context& io);
  // Aborts what is in flight; callbacks not yet run never run.
  ~HttpFetcher();
  HttpFetcher(const HttpFetcher&) = delete;
  HttpFetcher& operator=(const HttpFetcher&) = delete;

  // `done` runs on the io_context thread.
  void get(HttpRequest request, Callback done);

 private:
  struct Shared;
  void run();

  asio::io_context& io_;
  std::shared_ptr<bool> alive_;
  std::unique_ptr<Shared> shared_;
  std::thread thread_;
};

}  // namespace btnode::node
