#include "net/bridge.hpp"

#include "actors/logging.hpp"
#include "net/dispatch.hpp"

#include <caf/exit_reason.hpp>

#include <exception>
#include <string>

namespace cafka::net {

caf::behavior bridge(caf::stateful_actor<bridge_state>* self, frame_sink_ptr sink,
                     node_actor node, const broker_config* config) {
  self->state.sink = std::move(sink);
  self->state.node = std::move(node);
  self->state.config = config;
  // Whatever ends this actor (exception in a handler callback, exit from outside) must also end
  // the connection, or the client would wait forever for answers nobody computes. Weak: the
  // connection already owns a handle to us.
  self->attach_functor([weak = std::weak_ptr<frame_sink>{self->state.sink}](const caf::error&) {
    if (auto sink = weak.lock())
      sink->close("connection actor stopped");
  });
  self->set_exception_handler([self](std::exception_ptr& eptr) -> caf::error {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(eptr);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    CAFKA_ERROR("net", "closing connection from " << self->state.sink->peer()
                                                  << ": handler failed: " << what);
    return caf::exit_reason::unhandled_exception;
  });
  auto on_frame = [self](const storage::byte_slice& frame) {
    auto& st = self->state;
    if (st.closing)
      return;
    auto seq = st.order.next_sequence();
    // Handlers answer on this actor (their response handlers run here), so touching the
    // state from the completion needs no lock. Flushed frames leave in request order.
    auto done = [self, seq](response_frame response, bool has_response) {
      auto& s = self->state;
      if (s.closing)
        return;
      auto skipped = s.order.complete(seq, std::move(response), has_response,
                                      [&s](response_frame&& out) {
                                        s.sink->deliver(std::move(out));
                                      });
      if (skipped > 0)
        s.sink->completed(skipped);
    };
    auto result = dispatch_frame(self, st.node, *st.config, frame, std::move(done),
                                 st.sink->peer(), &st.routes);
    if (!result.ok) {
      CAFKA_WARN("net", "closing connection from " << st.sink->peer() << ": " << result.error);
      st.closing = true;
      st.sink->close(result.error);
      self->quit();
    }
  };
  return {
    // The frame moves (CAF copies only a shared message) into shared ownership: records decoded
    // from it are slices that keep it alive until their log has written them.
    [on_frame](request_frame& frame) {
      auto owner = std::make_shared<const request_frame>(std::move(frame));
      on_frame({owner, owner->data(), owner->size()});
    },
    [on_frame](std::vector<char>& frame) {
      auto owner = std::make_shared<const std::vector<char>>(std::move(frame));
      on_frame({owner, owner->data(), owner->size()});
    },
  };
}

} // namespace cafka::net
