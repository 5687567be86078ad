#include "server/server_config.h"

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include <fstream>
#include <map>
#include <sstream>

namespace touchpoint::server {

namespace {

enum class Kind { flag, list, integer, number, text };

// What TOML type a key takes, from the option's CLI11 type.
Kind kind_of(const CLI::Option& o) {
    if (o.get_expected_max() == 0) return Kind::flag;
    if (o.get_items_expected_max() > 1) return Kind::list;
    const std::string type = o.get_type_name();
    if (type.rfind("INT", 0) == 0 || type.rfind("UINT", 0) == 0) return Kind::integer;
    if (type.rfind("FLOAT", 0) == 0) return Kind::number;
    return Kind::text;
}

const char* kind_text(Kind k) {
    switch (k) {
    case Kind::flag: return "true or false";
    case Kind::list: return "an array of strings, e.g. [\"10.0.0.1\"]";
    case Kind::integer: return "an integer";
    case Kind::number: return "a number";
    case Kind::text: return "a string";
    }
    return "";
}

std::string number_text(double v) {
    std::ostringstream os;
    os.precision(17);
    os << v;
    return os.str();
}

// The key's value as the command line would have given it; false when the
// TOML type is not the one the option takes.
bool as_results(const toml::node& node, Kind kind, std::vector<std::string>& out) {
    switch (kind) {
    case Kind::flag:
        if (!node.is_boolean()) return false;
        out.push_back(*node.value<bool>() ? "true" : "false");
        return true;
    case Kind::list: {
        const toml::array* a = node.as_array();
        if (!a) return false;
        for (const toml::node& item : *a) {
            if (!item.is_string()) return false;
            out.push_back(*item.value<std::string>());
        }
        return true;
    }
    case Kind::integer:
        if (!node.is_integer()) return false;
        out.push_back(std::to_string(*node.value<std::int64_t>()));
        return true;
    case Kind::number:
        if (node.is_integer()) {
            out.push_back(std::to_string(*node.value<std::int64_t>()));
            return true;
        }
        if (!node.is_floating_point()) return false;
        out.push_back(number_text(*node.value<double>()));
        return true;
    case Kind::text:
        if (!node.is_string()) return false;
        out.push_back(*node.value<std::string>());
        return true;
    }
    return false;
}

// CLI11's message without its leading "--name: ".
std::string reason(const CLI::Error& e, const CLI::Option& o) {
    std::string what = e.what();
    const std::string prefix = o.get_name() + ": ";
    if (what.rfind(prefix, 0) == 0) what.erase(0, prefix.size());
    return what;
}

} // namespace

std::string config_key(const CLI::Option& option) {
    std::string name = option.get_lnames().empty() ? option.get_name() : option.get_lnames().front();
    while (!name.empty() && name.front() == '-')
        name.erase(0, 1);
    for (char& c : name)
        if (c == '-') c = '_';
    return name;
}

Status apply_config(const std::string& toml_text, const std::string& origin,
                    const std::vector<CLI::Option*>& options) {
    toml::table file;
    try {
        file = toml::parse(toml_text, origin);
    } catch (const toml::parse_error& e) {
        std::ostringstream os;
        os << origin << ": line " << e.source().begin.line << ": " << e.description();
        return Status::failure(os.str());
    }
    std::map<std::string, CLI::Option*> by_key;
    for (CLI::Option* o : options)
        by_key[config_key(*o)] = o;

    // Every key is checked before any is applied: a bad file changes nothing.
    struct Pending {
        CLI::Option* option;
        std::vector<std::string> results;
    };
    std::vector<Pending> pending;
    for (const auto& [key_node, node] : file) {
        const std::string key(key_node.str());
        auto found = by_key.find(key);
        if (found == by_key.end())
            return Status::failure(origin + ": " + key +
                                   ": unknown key (keys are the server's options without "
                                   "the dashes, e.g. max_body_bytes)");
        CLI::Option* o = found->second;
        const Kind kind = kind_of(*o);
        std::vector<std::string> results;
        if (!as_results(node, kind, results))
            return Status::failure(origin + ": " + key + ": wrong type, must be " +
                                   kind_text(kind));
        if (o->count() > 0) continue; // the command line overrides the file
        pending.push_back({o, std::move(results)});
    }
    for (Pending& p : pending) {
        try {
            p.option->add_result(p.results);
            p.option->run_callback();
        } catch (const CLI::Error& e) {
            const std::string why = reason(e, *p.option);
            const bool range = why.find("not in range") != std::string::npos;
            return Status::failure(origin + ": " + config_key(*p.option) + ": " +
                                   (range ? "out of range: " : "") + why);
        }
    }
    return Status::success();
}

Status apply_config_file(const std::string& path, const std::vector<CLI::Option*>& options) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::failure(path + ": cannot read the configuration file");
    std::ostringstream os;
    os << in.rdbuf();
    return apply_config(os.str(), path, options);
}

bool parse_listen(const std::string& text, std::string& host, int& port) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return false;
    host = text.substr(0, colon);
    std::string p = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "0.0.0.0";
    if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos)
        return false;
    port = std::stoi(p);
    return port <= 65535;
}

} // namespace touchpoint::server
