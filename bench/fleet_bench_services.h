#pragma once
// The processes fleet_bench talks to and measures: touchpoint-server
// instances, nginx (the anchor) and haproxy (in front of two instances),
// each started on a free loopback port with a configuration written into
// the benchmark's folder, and stopped by the benchmark. Plus what /proc says
// about a process: resident memory, open descriptors, CPU time.
//
// Errors throw std::runtime_error. Not thread-safe.
#include <sys/types.h>

#include <string>
#include <vector>

namespace touchpoint::bench {

// One child process: stdin from /dev/null, stdout on a pipe (read_line),
// stderr inherited or into a log file. The destructor stops it.
class ChildProcess {
  public:
    ChildProcess() = default;
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    // argv[0] is a path or a name looked up in PATH. `stderr_file` empty:
    // stderr is inherited.
    void start(const std::vector<std::string>& argv, const std::string& stderr_file);
    // The next line of its stdout; empty when it ends or `timeout_s` passes.
    std::string read_line(double timeout_s);
    bool running();
    // SIGTERM, then SIGKILL after `grace_s`; waits for it. Returns its exit
    // status as waitpid gives it (-1 when it was not running).
    int stop(double grace_s = 15);
    pid_t pid() const { return m_pid; }

  private:
    pid_t m_pid = -1;
    int m_out_fd = -1;
    int m_status = -1;
    std::string m_pending; // stdout read past the last line handed out
};

struct CommandResult {
    int exit_code = -1; // -1: did not exit normally
    std::string out;
    std::string err;
};

// Runs argv to its end (for small outputs: the admin CLI, openssl, -v).
CommandResult run_command(const std::vector<std::string>& argv);

// A loopback port nothing listens on right now.
int free_loopback_port();

// Waits until 127.0.0.1:port accepts a connection, or dies when `p` ends
// first or `timeout_s` passes (the message names `what` and `log_file`).
void wait_until_listening(int port, ChildProcess& p, double timeout_s, const std::string& what,
                          const std::string& log_file);

// --- What /proc says ---

struct Usage {
    double rss_mb = 0;   // resident set (VmRSS)
    long fds = 0;        // entries of /proc/PID/fd
    double cpu_s = 0;    // user + system
};

// Summed over `pids` (a process that is gone counts 0).
Usage usage_of(const std::vector<pid_t>& pids);
// The process and its direct children (nginx's workers).
std::vector<pid_t> with_children(pid_t pid);

// --- The services ---

struct ServerSettings {
    std::string binary;   // touchpoint-server
    std::string db_url;   // sqlite:PATH or postgresql://...
    std::string tls_cert; // both or neither
    std::string tls_key;
    double idle_timeout_s = 75;
    double header_timeout_s = 10;
    bool behind_proxy = false;      // --trusted-proxy 127.0.0.1
    std::vector<std::string> extra; // further options, as given
};

// Starts touchpoint-server on a free loopback port; returns the port. The
// command line is put in *shown.
int start_touchpoint_server(ChildProcess& p, const ServerSettings& s, std::string* shown);

// What nginx answers: the server's own answer bodies, so both send as much.
struct AnchorAnswers {
    std::string heartbeat; // 200 body of /api/v1/heartbeat
    std::string batch;     // 200 body of /api/v1/batches
    std::string config;    // 200 body of /api/v1/config
    std::string etag;      // its ETag; a request with If-None-Match gets 304
};

struct NginxSettings {
    std::string dir; // its prefix: config, logs, pid, temp folders
    int workers = 1;
    long connections = 1024; // the fleet's (worker_connections is twice this)
    double idle_timeout_s = 75;
    double header_timeout_s = 10;
    std::string tls_cert; // both or neither
    std::string tls_key;
};

// Writes DIR/nginx.conf answering every API request with `return` (no
// proxying, no files) and starts nginx in the foreground; returns the port.
int start_nginx(ChildProcess& p, const NginxSettings& s, const AnchorAnswers& answers);

struct HaproxySettings {
    std::string dir;
    std::vector<int> backend_ports; // touchpoint-server instances on 127.0.0.1
    long connections = 1024;       // maxconn
    double idle_timeout_s = 75;
    double header_timeout_s = 10;
};

// Writes DIR/haproxy.cfg (http mode, round robin, http-reuse, forwardfor)
// and starts haproxy in the foreground; returns the port.
int start_haproxy(ChildProcess& p, const HaproxySettings& s);

// The first line `command -v` style tools print for their version
// ("nginx version: nginx/1.22.1"), or "" when the tool is missing.
std::string tool_version(const std::vector<std::string>& argv);

// Makes DIR/cert.pem and DIR/key.pem (self-signed, P-256, for 127.0.0.1)
// with the openssl command line.
void make_self_signed_cert(const std::string& dir);

} // namespace touchpoint::bench
