// Layering: embedded defaults (the option table), then the properties file, then each --override
// in order; later wins. Cross-option checks run once at the end.
#include "config/load.hpp"

#include "config/options.hpp"
#include "config/properties.hpp"

#include <boost/program_options.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

namespace po = boost::program_options;

namespace cafka {

namespace {

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string unknown_option(const std::string& key) {
  std::string msg = "unknown option '" + key + "'";
  const option_def* best = nullptr;
  size_t best_d = 4; // suggest only close matches
  for (const auto& opt : option_table())
    if (auto d = edit_distance(key, opt.name); d < best_d)
      best = &opt, best_d = d;
  if (best)
    msg += " (did you mean '" + best->name + "'?)";
  return msg;
}

// Sets `key` to `value`; `where` prefixes errors ("file:7: " or "--override: ").
void apply(broker_config& cfg, const std::string& key, const std::string& value,
           const std::string& where) {
  auto opt = find_option(key);
  if (!opt)
    throw config_error(where + unknown_option(key));
  try {
    opt->set(cfg, value);
  } catch (const bad_value& e) {
    throw config_error(where + "invalid value '" + value + "' for '" + key + "': expected " +
                       e.expected);
  }
  cfg.explicitly_set.insert(opt->alias_of.empty() ? opt->name : opt->alias_of);
}

// One key=value setting and where it came from ("file:7: " or "--override: ").
struct setting {
  std::string key;
  std::string value;
  std::string where;
};

std::vector<setting> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw config_error("cannot read properties file '" + path + "': " + std::strerror(errno));
  std::vector<setting> out;
  std::map<std::string, const property*> seen; // by canonical name (aliases folded)
  auto props = parse_properties(in, path);
  for (const auto& p : props) {
    auto where = path + ":" + std::to_string(p.line) + ": ";
    const auto* opt = find_option(p.key);
    if (!opt)
      throw config_error(where + unknown_option(p.key));
    auto& first = seen[opt->alias_of.empty() ? opt->name : opt->alias_of];
    if (first)
      throw config_error(where + "option '" + p.key + "' repeats '" + first->key + "' from line " +
                         std::to_string(first->line));
    first = &p;
    out.push_back({p.key, p.value, where});
  }
  return out;
}

// One file serves every node of a cluster: `${node.id}` in a value (e.g. log.dirs) becomes the
// node.id that the file and overrides end up with.
void substitute_node_id(std::vector<setting>& settings) {
  std::string node_id = "1";
  for (const auto& s : settings)
    if (s.key == "node.id")
      node_id = s.value;
  const std::string var = "${node.id}";
  for (auto& s : settings)
    for (size_t pos = 0; (pos = s.value.find(var, pos)) != std::string::npos;
         pos += node_id.size())
      s.value.replace(pos, var.size(), node_id);
}

// In cluster mode a node listens where cluster.nodes says, unless listeners was given.
void listen_where_cluster_says(broker_config& cfg) {
  if (!cfg.cluster_mode() || cfg.explicitly_set.count("listeners"))
    return;
  if (const auto* self = find_node(cfg.cluster_nodes, cfg.node_id))
    cfg.listeners = {listener{"PLAINTEXT", self->host, self->kafka_port}};
}

void validate(const broker_config& cfg) {
  // Cluster membership first: a node missing from cluster.nodes is the root cause of any voter
  // complaint that would follow.
  if (cfg.cluster_mode()) {
    if (!find_node(cfg.cluster_nodes, cfg.node_id))
      throw config_error("cluster.nodes: node.id " + std::to_string(cfg.node_id)
                         + " is not in the list");
    for (const auto& v : cfg.controller_quorum_voters) {
      const auto* n = find_node(cfg.cluster_nodes, v.id);
      if (!n || n->host != v.host || n->actor_port != v.port)
        throw config_error("controller.quorum.voters: voter " + std::to_string(v.id)
                           + " must be a node of cluster.nodes at its host and actor port");
    }
  }
  auto voters = cfg.quorum_voters();
  if (cfg.role_controller && !voters.empty()
      && std::none_of(voters.begin(), voters.end(),
                      [&](const quorum_voter& v) { return v.id == cfg.node_id; }))
    throw config_error("controller.quorum.voters: node.id " + std::to_string(cfg.node_id)
                       + " is not a voter, but process.roles has controller");
  for (const auto& adv : cfg.advertised_listeners) {
    bool found = std::any_of(cfg.listeners.begin(), cfg.listeners.end(),
                             [&](const listener& l) { return l.name == adv.name; });
    if (!found)
      throw config_error("advertised.listeners: listener name '" + adv.name +
                         "' does not appear in listeners");
  }
}

po::options_description cli_flags() {
  po::options_description flags("Options", 100);
  flags.add_options()
    ("override", po::value<std::vector<std::string>>()->composing()->value_name("key=value"),
     "set one option; repeatable, applied in order after the file")
    ("print-config-docs", "print all options as Markdown (docs/configuration.md) and exit")
    ("help,h", "print this help and exit");
  return flags;
}

std::string escape_cell(std::string s) {
  for (size_t pos = 0; (pos = s.find('|', pos)) != std::string::npos; pos += 2)
    s.replace(pos, 1, "\\|");
  return s;
}

} // namespace

broker_config load_config(const std::optional<std::string>& properties_file,
                          const std::vector<std::string>& overrides) {
  broker_config cfg;
  for (const auto& opt : option_table())
    if (opt.alias_of.empty())
      apply(cfg, opt.name, opt.default_text, "default: ");
  cfg.explicitly_set.clear(); // defaults are not set explicitly
  std::vector<setting> settings;
  if (properties_file)
    settings = read_file(*properties_file);
  for (const auto& o : overrides) {
    auto eq = o.find('=');
    if (eq == std::string::npos)
      throw config_error("--override '" + o + "': expected key=value");
    auto trim = [](std::string s) {
      s.erase(0, s.find_first_not_of(" \t"));
      s.erase(s.find_last_not_of(" \t") + 1);
      return s;
    };
    settings.push_back({trim(o.substr(0, eq)), trim(o.substr(eq + 1)), "--override: "});
  }
  substitute_node_id(settings);
  for (const auto& st : settings)
    apply(cfg, st.key, st.value, st.where);
  listen_where_cluster_says(cfg);
  validate(cfg);
  return cfg;
}

command_line parse_command_line(int argc, char** argv) {
  po::options_description all;
  all.add(cli_flags()).add_options()("properties-file", po::value<std::string>());
  po::positional_options_description positional;
  positional.add("properties-file", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
  } catch (const po::error& e) {
    throw config_error(std::string{e.what()} + " (see --help)");
  }
  command_line cl;
  if (vm.count("properties-file"))
    cl.properties_file = vm["properties-file"].as<std::string>();
  if (vm.count("override"))
    cl.overrides = vm["override"].as<std::vector<std::string>>();
  cl.help = vm.count("help") > 0;
  cl.print_config_docs = vm.count("print-config-docs") > 0;
  return cl;
}

broker_config load_config_from_args(int argc, char** argv) {
  auto cl = parse_command_line(argc, argv);
  if (cl.help || cl.print_config_docs)
    throw config_error("--help and --print-config-docs print and exit; "
                       "handle them with print_info_if_requested() first");
  return load_config(cl.properties_file, cl.overrides);
}

std::string usage() {
  std::ostringstream out;
  out << "Usage: cafka-server [PROPERTIES_FILE] [--override key=value ...]\n"
         "\n"
         "Starts a cafka broker. Settings come from the embedded defaults, then PROPERTIES_FILE\n"
         "(Kafka server.properties syntax, e.g. config/server.properties), then each --override\n"
         "in order. Unknown options and bad values are errors. All options: docs/configuration.md.\n"
         "\n"
      << cli_flags();
  return out.str();
}

bool print_info_if_requested(int argc, char** argv, std::ostream& out) {
  auto cl = parse_command_line(argc, argv);
  if (cl.help)
    out << usage();
  else if (cl.print_config_docs)
    out << options_markdown();
  return cl.help || cl.print_config_docs;
}

std::string options_markdown() {
  std::ostringstream md;
  md << "# Configuration\n\n"
        "<!-- Generated from config/options.cpp by `build/bin/cafka-server --print-config-docs > "
        "docs/configuration.md`. Do not edit by hand. -->\n\n"
        "cafka reads Kafka's `server.properties` vocabulary. Settings are layered: embedded "
        "defaults, then the properties file named on the command line, then each `--override "
        "key=value` in order (later wins). Unknown options, bad values and out-of-range numbers "
        "are errors that name the option (and `file:line`); nothing is silently ignored.\n\n"
        "Examples: [`config/server.properties`](../config/server.properties) (single node, equal "
        "to the defaults), [`config/dev.properties`](../config/dev.properties) (small segments, "
        "data under `./data-dev`).\n\n"
        "## Command line\n\n```\n"
     << usage()
     << "```\n\n"
        "## File syntax\n\n"
        "- `key=value` or `key: value` (the first `=` or `:` separates; values may contain "
        "either, e.g. listeners).\n"
        "- Lines starting with `#` or `!` are comments; blank lines are skipped; keys and values "
        "are trimmed.\n"
        "- A line ending in `\\` continues on the next line.\n"
        "- Each option may appear once per file (`log.dir` and `log.dirs` count as one).\n\n"
        "## At runtime\n\n"
        "Broker options are fixed while the broker runs. DescribeConfigs on the broker resource "
        "lists them read-only (source STATIC_BROKER_CONFIG when the file or an `--override` set "
        "them, else DEFAULT_CONFIG); AlterConfigs on it is refused with INVALID_REQUEST. "
        "Topic-level configs (`retention.ms`, `segment.bytes`, ...) are set by CreateTopics and "
        "changed live by AlterConfigs / IncrementalAlterConfigs: see "
        "[topic-configs.md](topic-configs.md).\n\n"
        "## Options\n\n"
        "| Name | Type | Default | Valid values | Description |\n"
        "|---|---|---|---|---|\n";
  for (const auto& opt : option_table()) {
    std::string def = !opt.alias_of.empty()     ? "see `" + opt.alias_of + "`"
                      : opt.default_text.empty() ? "(empty)"
                                                 : "`" + opt.default_text + "`";
    md << "| `" << opt.name << "` | " << opt.type << " | " << escape_cell(def) << " | "
       << escape_cell(opt.valid) << " | " << escape_cell(opt.doc) << " |\n";
  }
  return md.str();
}

} // namespace cafka
