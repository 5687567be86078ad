#include "curl_library.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace touchpoint::sync {

namespace {

// libcurl's run-time name on Debian (libcurl4, the OpenSSL build the
// headers come with).
constexpr const char* k_soname = "libcurl.so.4";

template <class Fn> bool bind(void* lib, const char* name, Fn& fn, std::string& missing) {
    fn = reinterpret_cast<Fn>(::dlsym(lib, name));
    if (!fn && missing.empty())
        missing = name;
    return fn != nullptr;
}

Result<const CurlLibrary*> load() {
    void* lib = ::dlopen(k_soname, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        const char* why = ::dlerror();
        return Error{std::string("the HTTP library (") + k_soname + ") could not be loaded: " +
                     (why ? why : "unknown reason") + " (install libcurl4)"};
    }
    static CurlLibrary table{};
    std::string missing;
    bind(lib, "curl_easy_init", table.easy_init, missing);
    bind(lib, "curl_easy_cleanup", table.easy_cleanup, missing);
    bind(lib, "curl_easy_reset", table.easy_reset, missing);
    bind(lib, "curl_easy_setopt", table.easy_setopt, missing);
    bind(lib, "curl_easy_perform", table.easy_perform, missing);
    bind(lib, "curl_easy_getinfo", table.easy_getinfo, missing);
    bind(lib, "curl_easy_strerror", table.easy_strerror, missing);
    bind(lib, "curl_slist_append", table.slist_append, missing);
    bind(lib, "curl_slist_free_all", table.slist_free_all, missing);
    bind(lib, "curl_url", table.url, missing);
    bind(lib, "curl_url_cleanup", table.url_cleanup, missing);
    bind(lib, "curl_url_set", table.url_set, missing);
    bind(lib, "curl_url_get", table.url_get, missing);
    bind(lib, "curl_free", table.free, missing);
    if (!missing.empty()) {
        ::dlclose(lib);
        return Error{std::string("the HTTP library (") + k_soname + ") is too old: it has no " + missing};
    }
    using GlobalInit = decltype(&curl_global_init);
    GlobalInit global_init = nullptr;
    if (!bind(lib, "curl_global_init", global_init, missing) || global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        ::dlclose(lib);
        return Error{std::string("the HTTP library (") + k_soname + ") could not start"};
    }
    return static_cast<const CurlLibrary*>(&table);
}

} // namespace

Result<const CurlLibrary*> curl_library() {
    static std::once_flag once;
    static Result<const CurlLibrary*> loaded{Error{"not loaded"}};
    std::call_once(once, [] { loaded = load(); });
    return loaded;
}

} // namespace touchpoint::sync
