// cafka-perf: a load tool in the spirit of kafka-producer-perf-test / kafka-consumer-perf-test,
// built on librdkafka so it measures the broker with the client users run. `--mock` runs the same
// workload against librdkafka's in-process mock cluster: the client's own ceiling on the machine.
// See docs/performance.md and bench/README.md.
#include "perf_common.hpp"

#include <memory>

int main(int argc, char** argv) {
  using namespace cafka::perf;
  options opts;
  int rc = 0;
  if (!parse_options(argc, argv, opts, rc))
    return rc;
  std::unique_ptr<mock_cluster> mock;
  std::string bootstrap = opts.bootstrap;
  if (opts.mock) {
    mock = std::make_unique<mock_cluster>(opts);
    bootstrap = mock->bootstrap();
    // The mock auto-creates topics with its own default partition count; match the broker's
    // (num.partitions=1) unless --partitions says otherwise.
    mock->create_topic(opts.topic, opts.partitions > 0 ? opts.partitions : 1);
  } else if (opts.partitions > 0) {
    if (!create_topic(opts, bootstrap, opts.topic, opts.partitions))
      return 1;
  }
  if (opts.mode == "produce")
    return run_produce(opts, bootstrap);
  return run_consume(opts, bootstrap);
}
