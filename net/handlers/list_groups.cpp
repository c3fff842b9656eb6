// ListGroups (API key 16), v0-2: the groups of every shard this node leads (a client asks each
// broker and merges). A shard that fails to answer (loading, gone) makes the whole answer carry
// its error, like Kafka's COORDINATOR_LOAD_IN_PROGRESS while any partition loads, but the groups
// of the other shards are still listed.
#include "net/handlers/handlers.hpp"

#include "net/error_mapping.hpp"
#include "net/handlers/fan_in.hpp"
#include "net/handlers/group_routing.hpp"

namespace cafka::net {

namespace {

using response_t = protocol::list_groups_response;

} // namespace

void list_groups_handler::handle(const context_ptr& ctx, request_type&&) {
  ctx->self->request(ctx->node, node_timeout, group_shards_atom::value)
    .then(
      [ctx](std::vector<group_shard_actor>& shards) {
        auto resp = std::make_shared<response_t>();
        auto gather = std::make_shared<fan_in>([ctx, resp] { ctx->respond(*resp); });
        for (auto& shard : shards) {
          gather->expect();
          ctx->self->request(shard, node_timeout, list_groups_atom::value)
            .then(
              [resp, gather](std::vector<group_listing>& groups) {
                for (auto& g : groups) {
                  response_t::listed_group out;
                  out.group_id = std::move(g.group_id);
                  out.protocol_type = std::move(g.protocol_type);
                  resp->groups.push_back(std::move(out));
                }
                gather->arrive();
              },
              [resp, gather](const caf::error& err) {
                resp->error_code = to_kafka_error(group_error(err));
                gather->arrive();
              });
        }
        gather->seal();
      },
      [ctx](const caf::error& err) {
        response_t resp;
        resp.error_code = to_kafka_error(group_error(err));
        ctx->respond(resp);
      });
}

} // namespace cafka::net
