#include "tools/btnode/dht_job.h"

#include <chrono>
#include <sstream>

namespace btnode::cli {

void DhtJob::finish(int exit_code) {
  if (exit_code_) return;
  exit_code_ = exit_code;
  if (deadline_) deadline_->cancel();
  if (signals_) signals_->cancel();
  if (dht) dht->stop();
}

void add_dht_job_options(CLI::App& command, DhtJobOptions& options) {
  add_network_options(command, options.net);
  command.add_option("--timeout", options.timeout_seconds, "Give up after this many seconds")
      ->check(CLI::PositiveNumber);
}

Endpoint::Family lookup_family(node::DhtService& dht) {
  bool have_v4 = false;
  for (const Endpoint& e : dht.local_endpoints()) have_v4 = have_v4 || e.is_v4();
  if (have_v4 && dht.node().table(Endpoint::Family::v4).size() > 0) return Endpoint::Family::v4;
  if (dht.node().table(Endpoint::Family::v6).size() > 0) return Endpoint::Family::v6;
  return have_v4 ? Endpoint::Family::v4 : Endpoint::Family::v6;
}

std::optional<NodeId> parse_id_arg(const std::string& hex) {
  return NodeId::from_hex(hex);
}

CLI::Validator hex_id_validator() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return parse_id_arg(text) ? "" : "not 40 hex digits: " + text;
      },
      "HEX40");
}

namespace {

std::string seconds_text(double seconds) {
  std::ostringstream s;
  s << seconds;
  return s.str();
}

}  // namespace

int run_dht_job(const DhtJobOptions& options, std::function<void(DhtJob&)> body) {
  auto service_options = dht_service_options(options.net);
  if (!service_options) return job_failed(service_options.error().message);
  if (!options.bootstrap) {
    service_options->bootstrap.clear();
    service_options->state_dir.reset();
  }
  // A one-shot client: BEP 43 read-only so nobody adds a node that is about
  // to vanish, and a fresh id so it never clashes with a node sharing the
  // state dir; saved nodes still help it join.
  service_options->node.read_only = true;
  service_options->save_state = false;
  service_options->use_saved_id = false;

  DhtJob job;
  job.dht = std::make_unique<node::DhtService>(job.io, std::move(*service_options));
  if (auto started = job.dht->start(); !started) return job_failed(started.error().message);
  const auto timeout = std::chrono::duration<double>(options.timeout_seconds);
  job.deadline_.emplace(job.io, std::chrono::duration_cast<std::chrono::nanoseconds>(timeout));
  std::string failure;
  job.deadline_->async_wait([&](const std::error_code& ec) {
    if (ec) return;
    failure = options.what + ": no answer within " + seconds_text(options.timeout_seconds) + " s";
    job.finish(kExitFailed);
  });
  job.signals_.emplace(job.io, [&](int) {
    failure = options.what + ": interrupted";
    job.finish(kExitFailed);
  });
  job.dht->on_joined([&] {
    if (!job.finished()) body(job);
  });
  job.io.run();
  if (!failure.empty()) return job_failed(failure);
  return job.exit_code_.value_or(kExitFailed);
}

}  // namespace btnode::cli
