#pragma once
// Device tokens, API keys and enrolment codes: random secrets of which the
// server keeps only a hash (libsodium). Thread-safe.
#include "core/result.h"

#include <string>

namespace touchpoint::server {

// Must be called once before any other function here (safe to call again).
Status init_secrets();

// 32 random bytes as unpadded base64url (43 characters).
std::string make_token();

// Hex of a 32-byte BLAKE2b hash (crypto_generichash): what the database keeps
// of a token, an API key or an enrolment code.
std::string hash_secret(const std::string& secret);

// A one-time enrolment code an installer can type: 12 symbols of Crockford's
// base32 in groups of four, "7KQ2-M9XD-4TRB" (60 bits).
std::string make_enrollment_code();

// The canonical form of a typed code: upper case, without spaces or dashes, with
// the look-alikes O -> 0 and I, L -> 1. Hash this, not the typed text.
std::string normalize_enrollment_code(const std::string& typed);

// Random lower-case hex of `bytes` bytes (ids of API keys).
std::string random_hex(std::size_t bytes);

} // namespace touchpoint::server
