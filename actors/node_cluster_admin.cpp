// Cluster mode: topic administration goes to the active controller through the controller
// client; the node answers once the committed image that shows the change has arrived here
// (or after cluster_image_wait), so a client's next Metadata request sees it. Metadata requests
// that may auto-create topics take the same way.
#include "actors/node.hpp"

#include "actors/logging.hpp"
#include "actors/topic_config.hpp"
#include "actors/topic_names.hpp"

#include <caf/stateful_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include <memory>

namespace cafka {

namespace {

constexpr const char* component = "node";
constexpr auto fail = topic_failure; // messages.hpp

using image_predicate = std::function<bool(const cluster::cluster_metadata&)>;

// Relays one request to the controller client; a successful answer waits for `visible`.
template <class Atom, class Args>
void relay(node_self self, Atom atom, Args args, image_predicate visible,
           std::function<void(topic_result)> reply) {
  auto& cv = self->state.cluster;
  if (self->state.shutting_down) {
    reply(fail(errc::request_timed_out, "broker is shutting down"));
    return;
  }
  if (!cv.client) {
    reply(fail(errc::not_controller, "this broker is not connected to the controller yet"));
    return;
  }
  self->request(cv.client, cluster_admin_timeout, atom, std::move(args))
    .then(
      [self, visible, reply](topic_result& r) {
        if (r.ec != errc::none || !visible) {
          reply(std::move(r));
          return;
        }
        wait_for_image(self, visible, [reply, r] { reply(r); }, cluster_image_wait);
      },
      [reply](caf::error& err) {
        CAFKA_WARN(component, "controller request failed: " << to_string(err));
        reply(fail(errc::request_timed_out, "the controller did not answer in time"));
      });
}

} // namespace

caf::typed_response_promise<topic_result> cluster_create_topic(node_self self,
                                                               const create_topic_args& args) {
  auto rp = self->make_response_promise<topic_result>();
  // Cheap checks here give the same messages as single-node mode; the controller checks the
  // rest (partitions, replication factor against the live brokers).
  if (auto why = topic_name_error(args.name); !why.empty()) {
    rp.deliver(fail(errc::invalid_topic, why));
    return rp;
  }
  if (auto why = topic_config_error(args.configs); !why.empty()) {
    rp.deliver(fail(errc::invalid_config, why));
    return rp;
  }
  auto full = args;
  if (full.num_partitions == -1)
    full.num_partitions = self->state.cfg.num_partitions;
  if (full.replication_factor == -1)
    full.replication_factor = self->state.cfg.default_replication_factor;
  image_predicate visible;
  if (!args.validate_only)
    visible = [name = args.name](const cluster::cluster_metadata& img) {
      return img.topic(name) != nullptr;
    };
  relay(self, create_topic_atom::value, std::move(full), std::move(visible),
        [rp](topic_result r) mutable { rp.deliver(std::move(r)); });
  return rp;
}

caf::typed_response_promise<topic_result> cluster_delete_topic(node_self self,
                                                               const std::string& name) {
  auto rp = self->make_response_promise<topic_result>();
  relay(self, delete_topic_atom::value, name,
        [name](const cluster::cluster_metadata& img) { return img.topic(name) == nullptr; },
        [rp](topic_result r) mutable { rp.deliver(std::move(r)); });
  return rp;
}

caf::typed_response_promise<topic_result>
cluster_create_partitions(node_self self, const create_partitions_args& args) {
  auto rp = self->make_response_promise<topic_result>();
  image_predicate visible;
  if (!args.validate_only)
    visible = [name = args.name, count = args.count](const cluster::cluster_metadata& img) {
      auto* t = img.topic(name);
      return t != nullptr && !t->partitions.empty()
             && t->partitions.rbegin()->first + 1 >= count;
    };
  relay(self, create_parts_atom::value, args, std::move(visible),
        [rp](topic_result r) mutable { rp.deliver(std::move(r)); });
  return rp;
}

caf::typed_response_promise<metadata_snapshot> cluster_metadata_request(node_self self,
                                                                         const metadata_query& q) {
  auto& st = self->state;
  auto rp = self->make_response_promise<metadata_snapshot>();
  std::vector<std::string> missing;
  if (!q.all_topics && q.allow_auto_create && st.cfg.auto_create_topics_enable
      && st.cluster.has_image)
    for (auto& name : q.topics)
      if (topic_name_error(name).empty() && st.cluster.image.topic(name) == nullptr
          && std::find(missing.begin(), missing.end(), name) == missing.end())
        missing.push_back(name);
  if (missing.empty()) {
    rp.deliver(cluster_metadata_snapshot(self, q, {}));
    return rp;
  }
  // Auto-create through the controller; answer when every creation is visible (or failed).
  auto errors = std::make_shared<std::map<std::string, errc>>();
  auto pending = std::make_shared<size_t>(missing.size());
  auto finish = [self, rp, q, errors, pending]() mutable {
    if (--*pending == 0)
      rp.deliver(cluster_metadata_snapshot(self, q, *errors));
  };
  for (auto& name : missing) {
    create_topic_args args;
    args.name = name;
    args.num_partitions = st.cfg.num_partitions;
    args.replication_factor = st.cfg.default_replication_factor;
    auto visible = [name](const cluster::cluster_metadata& img) {
      return img.topic(name) != nullptr;
    };
    relay(self, create_topic_atom::value, std::move(args), visible,
          [self, name, errors, finish, visible](topic_result r) mutable {
            if (r.ec == errc::none) {
              CAFKA_INFO(component, "auto-created topic " << name);
              finish();
            } else if (r.ec == errc::topic_already_exists) {
              // Another broker created it first: wait for the image that has it.
              wait_for_image(self, visible, finish, cluster_image_wait);
            } else {
              (*errors)[name] = r.ec;
              finish();
            }
          });
  }
  return rp;
}

} // namespace cafka
