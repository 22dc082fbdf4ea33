#include "node/http_fetcher.h"

#include <curl/curl.h>

#include <asio/post.hpp>
#include <mutex>
#include <vector>

namespace btnode::node {
namespace {

struct Transfer {
  CURL* easy = nullptr;
  HttpRequest request;
  HttpFetcher::Callback done;
  std::string body;
  bool too_large = false;
  char error[CURL_ERROR_SIZE] = {};
};

std::size_t on_write(char* data, std::size_t size, std::size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::size_t n = size * count;
  if (t->body.size() + n > t->request.max_body) {
    t->too_large = true;
    return 0;  // aborts the transfer
  }
  t->body.append(data, n);
  return n;
}

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

CURL* make_easy(Transfer& t) {
  CURL* e = curl_easy_init();
  if (!e) return nullptr;
  curl_easy_setopt(e, CURLOPT_URL, t.request.url.c_str());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, static_cast<long>(t.request.timeout.count()));
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(t.request.timeout.count()));
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_USERAGENT, "btnode/0.1");
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!t.request.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, t.request.ca_file.c_str());
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(e, CURLOPT_PRIVATE, &t);
  if (!t.request.interface.empty())
    curl_easy_setopt(e, CURLOPT_INTERFACE, ("host!" + t.request.interface).c_str());
  return e;
}

HttpResult finish(Transfer& t, CURLcode code) {
  HttpResult r;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &r.status);
  if (t.too_large) {
    r.error = "response larger than " + std::to_string(t.request.max_body) + " bytes";
  } else if (code != CURLE_OK) {
    r.error = t.error[0] ? t.error : curl_easy_strerror(code);
  }
  r.body = std::move(t.body);
  return r;
}

}  // namespace

struct HttpFetcher::Shared {
  std::mutex mutex;
  std::deque<std::unique_ptr<Transfer>> queued;
  bool stop = false;
  CURLM* multi = nullptr;
};

HttpFetcher::HttpFetcher(asio::io_context& io)
    : io_(io), alive_(std::make_shared<bool>(true)), shared_(std::make_unique<Shared>()) {
  init_curl_once();
  shared_->multi = curl_multi_init();
  thread_ = std::thread([this] { run(); });
}

HttpFetcher::~HttpFetcher() {
  *alive_ = false;
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stop = true;
  }
  curl_multi_wakeup(shared_->multi);
  thread_.join();
  curl_multi_cleanup(shared_->multi);
}

void HttpFetcher::get(HttpRequest request, Callback done) {
  auto t = std::make_unique<Transfer>();
  t->request = std::move(request);
  t->done = std::move(done);
  {
    std::lock_guard lock(shared_->mutex);
    shared_->queued.push_back(std::move(t));
  }
  curl_multi_wakeup(shared_->multi);
}

void HttpFetcher::run() {
  std::vector<std::unique_ptr<Transfer>> active;
  auto post = [this](Transfer& t, HttpResult r) {
    asio::post(io_, [alive = alive_, done = std::move(t.done), r = std::move(r)]() mutable {
      if (*alive) done(std::move(r));
    });
  };
  for (;;) {
    {
      std::lock_guard lock(shared_->mutex);
      if (shared_->stop) break;
      for (auto& t : shared_->queued) {
        t->easy = make_easy(*t);
        if (!t->easy) {
          HttpResult r;
          r.error = "curl_easy_init failed";
          post(*t, std::move(r));
          continue;
        }
        curl_multi_add_handle(shared_->multi, t->easy);
        active.push_back(std::move(t));
      }
      shared_->queued.clear();
    }
    int running = 0;
    curl_multi_perform(shared_->multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(shared_->multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      Transfer* t = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &t);
      CURLcode code = msg->data.result;
      post(*t, finish(*t, code));
      curl_multi_remove_handle(shared_->multi, t->easy);
      curl_easy_cleanup(t->easy);
      std::erase_if(active, [t](const auto& p) { return p.get() == t; });
    }
    curl_multi_poll(shared_->multi, nullptr, 0, 1000, nullptr);
  }
  for (auto& t : active) {
    curl_multi_remove_handle(shared_->multi, t->easy);
    curl_easy_cleanup(t->easy);
  }
}

}  // namespace btnode::node
