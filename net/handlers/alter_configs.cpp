// AlterConfigs (API key 33), v0-2: the given configs replace all of a topic's overrides (keys not
// named go back to their broker defaults). validate_only checks without applying. Broker and
// broker-logger resources get INVALID_REQUEST (no dynamic broker configs).
#include "net/handlers/alter_configs.hpp"

namespace cafka::net {

void alter_configs_handler::handle(const context_ptr& ctx, request_type&& req) {
  using resource_t = request_type::alter_configs_resource;
  alter_config_resources<protocol::alter_configs_response>(
    ctx, req, false, [](const resource_t& res) {
      std::vector<config_change> changes;
      for (const auto& c : res.configs) {
        config_change ch;
        ch.name = c.name;
        ch.op = static_cast<int8_t>(config_op::set);
        ch.null = !c.value;
        ch.value = c.value.value_or(std::string{});
        changes.push_back(std::move(ch));
      }
      return changes;
    });
}

} // namespace cafka::net
