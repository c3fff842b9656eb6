// DeleteGroups (API key 42), v0-1: one group actor request per group, in parallel; results keep
// request order. The group actor refuses while the group has members (NON_EMPTY_GROUP); a group
// that does not exist gets GROUP_ID_NOT_FOUND (the lookup never creates one).
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/fan_in.hpp"
#include "net/handlers/group_routing.hpp"

namespace cafka::net {

void delete_groups_handler::handle(const context_ptr& ctx, request_type&& req) {
  using response_t = protocol::delete_groups_response;
  auto resp = std::make_shared<response_t>();
  auto gather = std::make_shared<fan_in>([ctx, resp] { ctx->respond(*resp); });
  resp->results.resize(req.groups_names.size());
  for (size_t i = 0; i < req.groups_names.size(); ++i) {
    resp->results[i].group_id = req.groups_names[i];
    gather->expect();
    auto done = [resp, gather, i](errc ec) {
      resp->results[i].error_code = to_kafka_error(ec);
      gather->arrive();
    };
    ask_group<errc>(
      ctx, req.groups_names[i], false, node_timeout, [done](errc& ec) { done(ec); }, done,
      delete_group_atom::value);
  }
  gather->seal();
}

} // namespace cafka::net
