// IncrementalAlterConfigs (API key 44), v0-1: SET (0), DELETE (1), APPEND (2) and SUBTRACT (3,
// list keys such as cleanup.policy) on a topic's overrides; keys not named keep their values.
// The node validates the resulting overrides as a whole, so a bad change applies nothing.
#include "net/handlers/alter_configs.hpp"

namespace cafka::net {

void incremental_alter_configs_handler::handle(const context_ptr& ctx, request_type&& req) {
  using resource_t = request_type::alter_configs_resource;
  alter_config_resources<protocol::incremental_alter_configs_response>(
    ctx, req, true, [](const resource_t& res) {
      std::vector<config_change> changes;
      for (const auto& c : res.configs) {
        config_change ch;
        ch.name = c.name;
        ch.op = c.config_operation;
        ch.null = !c.value;
        ch.value = c.value.value_or(std::string{});
        changes.push_back(std::move(ch));
      }
      return changes;
    });
}

} // namespace cafka::net
