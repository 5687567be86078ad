#include "server/secrets.h"

#include <sodium.h>

#include <cctype>
#include <vector>

namespace touchpoint::server {

Status init_secrets() {
    if (sodium_init() < 0) return Status::failure("libsodium could not be initialised");
    return Status::success();
}

std::string make_token() {
    unsigned char bytes[32];
    randombytes_buf(bytes, sizeof bytes);
    char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
    sodium_bin2base64(out, sizeof out, bytes, sizeof bytes,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(bytes, sizeof bytes);
    return out;
}

std::string hash_secret(const std::string& secret) {
    unsigned char hash[crypto_generichash_BYTES];
    crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(secret.data()),
                       secret.size(), nullptr, 0);
    char hex[crypto_generichash_BYTES * 2 + 1];
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    return hex;
}

namespace {
// Crockford's base32: no I, L, O or U, so nothing is misread.
constexpr char k_code_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
} // namespace

std::string make_enrollment_code() {
    std::string code;
    for (int i = 0; i < 12; ++i) {
        if (i > 0 && i % 4 == 0) code += '-';
        code += k_code_alphabet[randombytes_uniform(32)];
    }
    return code;
}

std::string normalize_enrollment_code(const std::string& typed) {
    std::string out;
    for (char ch : typed) {
        if (ch == '-' || ch == ' ') continue;
        char c = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        if (c == 'O') c = '0';
        if (c == 'I' || c == 'L') c = '1';
        out += c;
    }
    return out;
}

std::string random_hex(std::size_t bytes) {
    std::vector<unsigned char> buf(bytes);
    randombytes_buf(buf.data(), buf.size());
    std::string hex(bytes * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), buf.data(), buf.size());
    hex.pop_back();
    return hex;
}

} // namespace touchpoint::server
