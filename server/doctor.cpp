#include "server/doctor.h"

#include "server/health_probe.h"
#include "server/postgres_storage.h"
#include "server/sqlite_storage.h"
#include "sqlite/sqlite.h"

#include <libpq-fe.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <netdb.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <ostream>

namespace touchpoint::server {

namespace {

struct Outcome {
    bool ok = true;
    std::string text;
};

Outcome pass(std::string text) { return {true, std::move(text)}; }
Outcome fail(std::string text) { return {false, std::move(text)}; }

// --- Configuration ---

Outcome check_config(const DoctorInput& in) {
    if (in.config_path.empty())
        return pass(std::string("no configuration file (") + k_default_config_path +
                    " is not there): built-in defaults and the flags given");
    if (!in.config)
        return fail(in.config.error() + " - fix it in " + in.config_path +
                    " and run touchpoint-server doctor again");
    return pass(in.config_path + " parses, every key known and in range");
}

// --- Database ---

std::string dir_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

Outcome check_sqlite(const std::string& path) {
    if (path == ":memory:") return pass("SQLite in memory (nothing is kept after a stop)");
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) {
        const std::string dir = dir_of(path);
        if (::access(dir.c_str(), W_OK | X_OK) == 0)
            return pass(path + " is not there yet; the server creates it at its first start (" +
                        dir + " is writable)");
        return fail(path + " is not there and " + dir +
                    " is not writable - create the directory and give it to the user the "
                    "server runs as (the unit's StateDirectory does)");
    }
    // Read only, creating nothing (no -wal or -shm owned by whoever runs this).
    auto db = sqlite::Connection::inspect(path);
    if (!db)
        return fail(db.error() + " - check the file's owner and permissions");
    auto quick = db->query_text("PRAGMA quick_check");
    if (!quick)
        return fail(path + ": cannot read it as a SQLite database (" + quick.error() +
                    ") - restore a backup (touchpoint-server admin restore --from FILE)");
    std::string check = *quick;
    if (check != "ok") {
        // quick_check's report spans lines; the doctor prints one line a check.
        for (char& c : check)
            if (c == '\n' || c == '\r') c = ';';
        return fail(path + " is damaged (quick_check: " + check +
                    ") - stop the server and restore a backup (touchpoint-server admin restore "
                    "--from FILE)");
    }
    auto version = db->query_int64("PRAGMA user_version");
    const int have = version ? static_cast<int>(*version) : 0;
    const int want = sqlite_schema_version();
    if (have > want)
        return fail(path + " has schema version " + std::to_string(have) +
                    ", newer than this touchpoint-server knows (" + std::to_string(want) +
                    ") - install the newer touchpoint-server again, or restore a backup made "
                    "with this one");
    if (have < want)
        return pass(path + " opens and is intact; schema version " + std::to_string(have) +
                    ", migrated to " + std::to_string(want) + " when the server starts");
    return pass(path + " opens and is intact (quick_check ok), schema version " +
                std::to_string(have));
}

Outcome check_postgres(const std::string& url) {
    const std::string shown = redact_postgres_url(url);
    std::unique_ptr<PGconn, decltype(&PQfinish)> c(PQconnectdb(url.c_str()), &PQfinish);
    if (!c || PQstatus(c.get()) != CONNECTION_OK) {
        std::string why = c ? PQerrorMessage(c.get()) : "out of memory";
        while (!why.empty() && (why.back() == '\n' || why.back() == ' '))
            why.pop_back();
        return fail("cannot connect to PostgreSQL at " + shown + ": " + why +
                    " - check that PostgreSQL runs and the URL, user and password in db");
    }
    std::unique_ptr<PGresult, decltype(&PQclear)> r(
        PQexec(c.get(), "SELECT version FROM schema_version"), &PQclear);
    const int want = postgres_schema_version();
    if (PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) == 0)
        return pass("connected to " + shown +
                    "; no schema yet, created when the server starts");
    const int have = std::atoi(PQgetvalue(r.get(), 0, 0));
    if (have > want)
        return fail(shown + " has schema version " + std::to_string(have) +
                    ", newer than this touchpoint-server knows (" + std::to_string(want) +
                    ") - install the newer touchpoint-server again");
    return pass("connected to " + shown + ", schema version " + std::to_string(have) +
                (have < want ? ", migrated to " + std::to_string(want) + " at start" : ""));
}

Outcome check_database(const std::string& db) {
    if (db.rfind("sqlite:", 0) == 0) return check_sqlite(db.substr(7));
    if (db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0)
        return check_postgres(db);
    return fail("db \"" + db + "\" is neither sqlite:PATH nor postgresql://... - fix db");
}

// --- TLS ---

std::string format_time(const ASN1_TIME* t) {
    std::tm tm{};
    if (ASN1_TIME_to_tm(t, &tm) != 1) return "?";
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

Outcome check_tls(const ServeOptions& o) {
    if (o.tls_cert.empty() && o.tls_key.empty())
        return pass("off: plain HTTP (fine behind a TLS proxy; otherwise set tls_cert and "
                    "tls_key)");
    if (o.tls_cert.empty() || o.tls_key.empty())
        return fail("tls_cert and tls_key go together - set both, or neither");
    std::FILE* cf = std::fopen(o.tls_cert.c_str(), "r");
    if (!cf)
        return fail(o.tls_cert + ": cannot read the certificate (" + std::strerror(errno) +
                    ") - check the path and that the server's user may read it");
    std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_X509(cf, nullptr, nullptr, nullptr),
                                                     &X509_free);
    std::fclose(cf);
    if (!cert) return fail(o.tls_cert + " holds no PEM certificate - give the certificate file");
    std::FILE* kf = std::fopen(o.tls_key.c_str(), "r");
    if (!kf)
        return fail(o.tls_key + ": cannot read the private key (" + std::strerror(errno) +
                    ") - check the path and that the server's user may read it");
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_PrivateKey(kf, nullptr, nullptr, nullptr), &EVP_PKEY_free);
    std::fclose(kf);
    if (!key)
        return fail(o.tls_key + " holds no PEM private key (or it needs a passphrase) - give an "
                                "unencrypted PEM key");
    if (X509_check_private_key(cert.get(), key.get()) != 1)
        return fail(o.tls_key + " is not the key of the certificate " + o.tls_cert +
                    " - give the key the certificate was issued for");
    const std::string until = format_time(X509_get0_notAfter(cert.get()));
    if (X509_cmp_current_time(X509_get0_notAfter(cert.get())) <= 0)
        return fail("the certificate " + o.tls_cert + " expired on " + until +
                    " - renew it, then send SIGHUP (systemctl reload) or restart the server");
    if (X509_cmp_current_time(X509_get0_notBefore(cert.get())) > 0)
        return fail("the certificate " + o.tls_cert + " is not valid before " +
                    format_time(X509_get0_notBefore(cert.get())) +
                    " - check the clock, or the certificate's dates");
    std::time_t soon = std::time(nullptr) + 14 * 24 * 3600;
    const bool renew = X509_cmp_time(X509_get0_notAfter(cert.get()), &soon) < 0;
    return pass("the key matches the certificate, valid until " + until +
                (renew ? " (renew it soon)" : ""));
}

// --- Listening address ---

Outcome check_listen(const ServeOptions& o) {
    std::string host;
    int port = 0;
    if (!parse_listen(o.listen, host, port))
        return fail("listen \"" + o.listen + "\" is not HOST:PORT - e.g. 0.0.0.0:8443");
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found); rc)
        return fail(o.listen + ": cannot resolve " + host + " (" + ::gai_strerror(rc) +
                    ") - give an address of this machine");
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
    const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return fail(o.listen + ": cannot open a socket: " + std::strerror(errno));
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    const int rc = ::bind(fd, found->ai_addr, found->ai_addrlen);
    const int err = errno;
    ::close(fd);
    if (rc == 0) return pass(o.listen + " is free to listen on");
    if (err == EADDRINUSE) {
        const bool tls = !o.tls_cert.empty();
        auto answer = probe_healthz({host, port, tls}, std::chrono::seconds(3));
        if (answer && answered_by_healthz(*answer))
            return pass(o.listen + " is held by a running touchpoint-server answering /healthz" +
                        (answer->status == 200 ? "" : " (it reports its storage unavailable)"));
        return fail(o.listen + " is in use by another program - stop it, or choose another "
                               "listen address");
    }
    if (err == EACCES)
        return fail(o.listen + ": port " + std::to_string(port) +
                    " needs privileges - choose a port of 1024 or above, or grant "
                    "CAP_NET_BIND_SERVICE (AmbientCapabilities= in the unit)");
    if (err == EADDRNOTAVAIL)
        return fail(o.listen + ": " + host + " is not an address of this machine - give one "
                                            "of its addresses, or 0.0.0.0");
    return fail(o.listen + ": cannot bind: " + std::strerror(err));
}

// --- Open files ---

Outcome check_open_files(const ServeOptions& o) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return fail(std::string("cannot read the open-file limit: ") + std::strerror(errno));
    // The server raises its soft limit to the hard one; a few descriptors
    // go to the database, the listener and logs.
    const std::size_t need = o.http.max_connections + 64;
    if (limit.rlim_max == RLIM_INFINITY || limit.rlim_max >= need)
        return pass("open-file limit " +
                    (limit.rlim_max == RLIM_INFINITY ? std::string("unlimited")
                                                     : std::to_string(limit.rlim_max)) +
                    " covers max_connections " + std::to_string(o.http.max_connections));
    return fail("open-file limit " + std::to_string(limit.rlim_max) + " is below max_connections " +
                std::to_string(o.http.max_connections) + " plus 64 - raise LimitNOFILE in the "
                "unit (or ulimit -n), or lower max_connections");
}

} // namespace

int run_doctor(const DoctorInput& in, std::ostream& out) {
    const std::pair<const char*, Outcome> checks[] = {
        {"config", check_config(in)},
        {"database", check_database(in.options.db)},
        {"tls", check_tls(in.options)},
        {"listen", check_listen(in.options)},
        {"open files", check_open_files(in.options)},
    };
    int failed = 0;
    for (const auto& [name, outcome] : checks) {
        out << (outcome.ok ? "OK   " : "FAIL ") << name << ": " << outcome.text << "\n";
        if (!outcome.ok) ++failed;
    }
    const int total = static_cast<int>(sizeof checks / sizeof checks[0]);
    if (failed == 0)
        out << "all " << total << " checks passed\n";
    else
        out << failed << " of " << total << " checks failed\n";
    out.flush();
    return failed == 0 ? 0 : 1;
}

} // namespace touchpoint::server
