#include "core/digest.h"

#include <openssl/evp.h>

#include <stdexcept>
#include <string>

namespace btnode {
namespace {

// Fetching an EVP_MD walks the provider tables and takes a lock; doing it once
// keeps per-message hashing (DHT tokens, piece checks) free of that cost. The
// fetched objects live until exit on purpose: freeing them from a static
// destructor could run after OpenSSL's own atexit cleanup.
const EVP_MD* fetch_md(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) throw std::runtime_error(std::string("digest: OpenSSL has no ") + name);
  return md;
}

const EVP_MD* sha1_md() {
  static const EVP_MD* md = fetch_md("SHA1");
  return md;
}

const EVP_MD* sha256_md() {
  static const EVP_MD* md = fetch_md("SHA256");
  return md;
}

void check(int ok, const char* what) {
  // EVP calls fail only on allocation failure or a broken provider: a
  // start-up style failure, not something a caller can handle per message.
  if (ok != 1) throw std::runtime_error(std::string("digest: ") + what + " failed");
}

// One EVP_MD_CTX, allocated once and re-initialised between messages.
class EvpHasher {
 public:
  explicit EvpHasher(const EVP_MD* md) : md_(md), ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) throw std::bad_alloc();
    reset();
  }
  ~EvpHasher() { EVP_MD_CTX_free(ctx_); }
  EvpHasher(const EvpHasher&) = delete;
  EvpHasher& operator=(const EvpHasher&) = delete;

  void reset() { check(EVP_DigestInit_ex2(ctx_, md_, nullptr), "EVP_DigestInit_ex2"); }
  void update(std::string_view data) {
    check(EVP_DigestUpdate(ctx_, data.data(), data.size()), "EVP_DigestUpdate");
  }
  void finish(std::uint8_t* out) {
    unsigned int n = 0;
    check(EVP_DigestFinal_ex(ctx_, out, &n), "EVP_DigestFinal_ex");
    reset();
  }

 private:
  const EVP_MD* md_;
  EVP_MD_CTX* ctx_;
};

}  // namespace

struct Sha1::Impl : EvpHasher {
  Impl() : EvpHasher(sha1_md()) {}
};

struct Sha256::Impl : EvpHasher {
  Impl() : EvpHasher(sha256_md()) {}
};

Sha1::Sha1() : impl_(std::make_unique<Impl>()) {}
Sha1::~Sha1() = default;
Sha1::Sha1(Sha1&&) noexcept = default;
Sha1& Sha1::operator=(Sha1&&) noexcept = default;
void Sha1::update(std::string_view data) {
  impl_->update(data);
}
void Sha1::reset() {
  impl_->reset();
}
Sha1Digest Sha1::finish() {
  Sha1Digest d;
  impl_->finish(d.data());
  return d;
}

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;
void Sha256::update(std::string_view data) {
  impl_->update(data);
}
void Sha256::reset() {
  impl_->reset();
}
Sha256Digest Sha256::finish() {
  Sha256Digest d;
  impl_->finish(d.data());
  return d;
}

// One-shot hashing reuses a per-thread context, so hashing a small message
// (a DHT token, an info dict) allocates nothing after the first call.
Sha1Digest sha1(std::string_view data) {
  thread_local Sha1 h;
  h.update(data);
  return h.finish();
}

Sha256Digest sha256(std::string_view data) {
  thread_local Sha256 h;
  h.update(data);
  return h.finish();
}

}  // namespace btnode
