#pragma once
// libcurl, loaded the first time something syncs (dlopen of libcurl.so.4)
// rather than linked: a standalone kiosk never maps it and the two dozen
// libraries it brings (TLS, HTTP/2, IDN, LDAP, Kerberos, ...), and no kiosk
// waits for them at start-up.
//
// Thread-safe: the first caller loads the library and runs
// curl_global_init (thread-safe in libcurl 7.84 and later); every later
// caller gets the same table. The library stays loaded until the process
// ends.
#include "core/result.h"

#include <curl/curl.h>

namespace touchpoint::sync {

// The libcurl functions the sync library uses, with libcurl's own types.
struct CurlLibrary {
    decltype(&curl_easy_init) easy_init;
    decltype(&curl_easy_cleanup) easy_cleanup;
    decltype(&curl_easy_reset) easy_reset;
    decltype(&curl_easy_setopt) easy_setopt;
    decltype(&curl_easy_perform) easy_perform;
    decltype(&curl_easy_getinfo) easy_getinfo;
    decltype(&curl_easy_strerror) easy_strerror;
    decltype(&curl_slist_append) slist_append;
    decltype(&curl_slist_free_all) slist_free_all;
    decltype(&curl_url) url;
    decltype(&curl_url_cleanup) url_cleanup;
    decltype(&curl_url_set) url_set;
    decltype(&curl_url_get) url_get;
    decltype(&curl_free) free;
};

// The loaded library, or why it cannot be used (not installed, too old,
// failed to start), in plain words. The same answer on every call.
Result<const CurlLibrary*> curl_library();

} // namespace touchpoint::sync
