#include "certificates.h"

#include <cstdlib>
#include <fstream>

namespace tpt {

namespace {

bool sh(const std::string& cmd) {
    return std::system((cmd + " >/dev/null 2>&1").c_str()) == 0;
}

} // namespace

bool have_openssl() {
    return sh("command -v openssl");
}

bool make_ca(const std::string& dir, const std::string& name) {
    return sh(
        "cd '" + dir +
        "' && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
        "-keyout " +
        name + "-ca.key -out " + name + "-ca.pem -days 2 -subj '/CN=" + name +
        " test CA' "
        "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
}

bool make_server_cert(const std::string& dir, const std::string& ca) {
    std::ofstream(dir + "/ext.cnf") << "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                       "basicConstraints=CA:FALSE\n"
                                       "keyUsage=digitalSignature\n"
                                       "extendedKeyUsage=serverAuth\n";
    return sh("cd '" + dir +
              "' && openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
              "-keyout server.key -out server.csr -subj '/CN=localhost'") &&
           sh("cd '" + dir + "' && openssl x509 -req -in server.csr -CA " + ca + "-ca.pem -CAkey " +
              ca + "-ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf");
}

} // namespace tpt
