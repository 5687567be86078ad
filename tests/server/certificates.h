#pragma once
// Certificates for the TLS tests, made with the openssl command line: a test
// CA, and a server certificate for 127.0.0.1 and localhost signed by it.
#include <string>

namespace tpt {

// Whether the openssl command is installed (the TLS tests warn and skip
// without it).
bool have_openssl();

// Makes DIR/NAME-ca.pem and DIR/NAME-ca.key.
bool make_ca(const std::string& dir, const std::string& name);

// Makes DIR/server.pem and DIR/server.key, signed by the CA `ca` in DIR
// (made by make_ca).
bool make_server_cert(const std::string& dir, const std::string& ca);

} // namespace tpt
