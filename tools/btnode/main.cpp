// btnode: the command line front end. Each subcommand lives in its own
// cmd_<name>.cpp; this file only wires them up and maps errors to exit codes.
#include <exception>

#include "tools/btnode/common.h"

namespace {

int run(int argc, char** argv) {
  using namespace btnode::cli;
  CLI::App app{"btnode: a BitTorrent node built around the Mainline DHT", "btnode"};
  app.set_version_flag("--version", "btnode 0.1.0");
  app.require_subcommand(1);
  GlobalOptions globals;
  add_global_options(app, globals);

  Action action;
  register_create(app, globals, action);
  register_info(app, globals, action);
  register_verify(app, globals, action);
  register_bootstrap(app, globals, action);
  register_dht(app, globals, action);
  register_get(app, globals, action);
  register_seed(app, globals, action);
  register_tracker(app, globals, action);
  register_scrape(app, globals, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version are "errors" with code 0; everything else is a
    // usage error, which the contract fixes at exit status 2.
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  setup_logging(globals.log_level);
  return action ? action() : kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    // Last resort: a bug or resource exhaustion must still end with one line.
    return btnode::cli::job_failed(e.what());
  }
}
