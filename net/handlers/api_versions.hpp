#pragma once
// ApiVersions pieces the dispatcher and tests need besides api_versions_handler::handle.
#include "net/handler.hpp"
#include "net/protocol/messages.hpp"

namespace cafka::net {

// Every API in all_handlers with its advertised range, sorted by key, error_code 0.
protocol::api_versions_response supported_api_versions();

// Answers an ApiVersions request whose version this broker does not support: a v0 body with
// UNSUPPORTED_VERSION and the ApiVersions entry, so the client can retry at a version we have.
// `ctx` must carry api_version 0 (the reply is encoded at the context's version).
void answer_unsupported_api_versions(const context_ptr& ctx);

} // namespace cafka::net
