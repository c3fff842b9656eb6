// cafka-server: loads the broker configuration, starts the actor system and the node actor,
// serves Kafka clients until SIGTERM/SIGINT, then shuts down in NOTES.md's order.
#include "actors/logging.hpp"
#include "actors/spawn.hpp"
#include "config/load.hpp"
#include "net/server.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/exit_reason.hpp>
#include <caf/io/middleman.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <iostream>
#include <optional>
#include <string>

#include <malloc.h>

namespace {

constexpr const char* usage =
  "usage: cafka-server [PROPERTIES_FILE] [--override key=value ...]\n"
  "       cafka-server --help | --print-config-docs\n"
  "\n"
  "Starts a Kafka-compatible broker. PROPERTIES_FILE uses Kafka's server.properties syntax;\n"
  "--override sets one option (later wins). --print-config-docs lists every option.\n"
  "Stops cleanly on SIGTERM or SIGINT.\n";

// CAF scheduler tuning measured on these machines (NOTES.md section 2): with the default
// 50 us moderate sleep every message from an Asio thread waits ~100 us for a worker to wake.
void tune_caf(caf::actor_system_config& cfg, const cafka::broker_config& config) {
  cfg.set("scheduler.max-threads", static_cast<size_t>(std::max(1, config.caf_max_threads)));
  cfg.set("work-stealing.moderate-sleep-duration", caf::timespan{0});
}

} // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::cout << usage;
      return 0;
    }
    if (std::strcmp(argv[i], "--print-config-docs") == 0) {
      std::cout << cafka::options_markdown();
      return 0;
    }
  }
  cafka::broker_config config;
  try {
    config = cafka::load_config_from_args(argc, argv);
  } catch (const cafka::config_error& e) {
    std::cerr << "cafka-server: " << e.what() << "\n" << usage;
    return 2;
  }
  cafka::log_level level;
  if (!cafka::parse_log_level(config.log_level, level)) {
    std::cerr << "cafka-server: bad log.level '" << config.log_level << "'\n";
    return 2;
  }
  cafka::set_log_level(level);

  // A file-size limit (RLIMIT_FSIZE) must fail the write with EFBIG, which the partition
  // reports as KAFKA_STORAGE_ERROR, instead of killing the broker with SIGXFSZ.
  std::signal(SIGXFSZ, SIG_IGN);
  // Request frames are up to a few MiB each. Above glibc's default mmap threshold every one
  // would be a fresh mmap (page faults and kernel zeroing of every page) and a munmap; from the
  // heap they reuse warm pages.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  // Signals first, so a SIGTERM during startup is not fatal: it is noticed once we serve.
  boost::asio::io_context signal_ctx;
  boost::asio::signal_set signals{signal_ctx, SIGINT, SIGTERM};
  int received_signal = 0;
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (!ec)
      received_signal = sig;
  });

  caf::actor_system_config cfg;
  cafka::add_message_types(cfg);
  tune_caf(cfg, config);
  cfg.load<caf::io::middleman>(); // remote actors between cluster nodes
  caf::actor_system sys{cfg};
  CAFKA_DEBUG("main", "CAF scheduler: " << sys.scheduler().num_workers() << " workers, "
                        "moderate sleep "
                        << caf::get_or(sys.config(), "work-stealing.moderate-sleep-duration",
                                       caf::timespan{-1})
                             .count()
                        << " ns");

  cafka::node_actor node;
  // Cluster mode: the node's peers, controller, gateway and controller client around it.
  std::optional<cafka::cluster_process> cluster;
  try {
    if (config.cluster_mode()) {
      cluster = cafka::spawn_cluster_node(sys, config);
      node = cluster->node;
    } else {
      node = cafka::spawn_node(sys, config);
    }
  } catch (const std::exception& e) {
    // E.g. an unusable log.dirs: nothing is running yet, so just leave.
    CAFKA_ERROR("main", "cannot start the node: " << e.what());
    return 1;
  }
  int rc = 0;
  {
    cafka::net::server srv{sys, node, config};
    try {
      srv.start();
      auto eps = srv.local_endpoints();
      auto& ep = eps.front();
      CAFKA_INFO("main", "cafka ready: node " << config.node_id << " listening on "
                                              << ep.address().to_string() << ":" << ep.port()
                                              << ", data in " << config.log_dirs.front()
                                              << (cluster ? ", actor port "
                                                              + std::to_string(cluster->actor_port)
                                                          : std::string{}));
      signal_ctx.run(); // returns after the first SIGINT/SIGTERM
      CAFKA_INFO("main", "received " << (received_signal == SIGINT ? "SIGINT" : "SIGTERM")
                                     << ", shutting down");
    } catch (const std::exception& e) {
      CAFKA_ERROR("main", e.what());
      rc = 1;
    }
    // Cluster mode: a controlled shutdown first (the controller fences this broker and moves
    // leadership away while the node still serves), then no more heartbeats.
    if (cluster && !cafka::stop_broker_lifecycle(sys, *cluster, std::chrono::seconds(2)))
      CAFKA_WARN("main", "controlled shutdown not acknowledged by the controller");
    // Stop accepting, close sessions, stop bridges, join I/O threads; ~server destroys the
    // io_context.
    srv.stop();
  }
  // Then the node: it stops its replicas and log actors, which close their files. In cluster
  // mode the controller, gateway and peer connections after it; the middleman goes with sys.
  caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
  if (cluster)
    cafka::stop_cluster_actors(sys, *cluster);
  sys.await_all_actors_done();
  if (cluster)
    cafka::release_remote_references(sys, *cluster);
  CAFKA_INFO("main", "stopped");
  return rc;
}
