// Enrolment: a one-time code becomes a device with a token.
#include "server_fixture.h"

#include "server/secrets.h"

#include <catch2/catch.hpp>

using namespace tpt;
using nlohmann::json;

TEST_CASE("enrolment: a code enrols one device and answers its store and touch point",
          "[server][enroll]") {
    TestServer srv;
    auto c = srv.client();
    const std::string code = srv.create_code(k_tp_a);
    REQUIRE(code.size() == 14); // XXXX-XXXX-XXXX

    auto r =
        post_json(c, "/api/v1/enroll", "", json{{"code", code}, {"device_name", "Till 1"}}.dump());
    REQUIRE(r);
    REQUIRE(r->status == 201);
    CHECK(r->get_header_value("Content-Type").find("application/json") == 0);
    json j = body_json(r);
    CHECK(j["device_id"].get<std::string>().size() == 36);
    CHECK(j["token"].get<std::string>().size() == 43); // 32 bytes, base64url
    CHECK(j["token_type"] == "Bearer");
    CHECK(j["store"]["id"] == k_store_a);
    CHECK(j["store"]["name"] == "Auckland Central");
    CHECK(j["store"]["time_zone"] == "Pacific/Auckland");
    CHECK(j["touch_point"]["key"] == k_tp_a);
    CHECK(j["touch_point"]["name"] == "Checkout 1");
    CHECK(srv.count("devices") == 1);

    SECTION("only a hash of the token is stored") {
        CHECK(srv.dump().find(j["token"].get<std::string>()) == std::string::npos);
    }
    SECTION("the same code a second time is refused and changes nothing") {
        const std::string before = srv.dump();
        auto again = post_json(c, "/api/v1/enroll", "",
                               json{{"code", code}, {"device_name", "Till 2"}}.dump());
        REQUIRE(again);
        CHECK(again->status == 409);
        CHECK(error_code(again) == "code_used");
        CHECK(srv.dump() == before);
    }
    SECTION("the code is read leniently: lower case, no dashes") {
        std::string other = srv.create_code(k_tp_b);
        std::string typed;
        for (char ch : other)
            if (ch != '-') typed += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        auto r2 = post_json(c, "/api/v1/enroll", "",
                            json{{"code", typed}, {"device_name", "Desk"}}.dump());
        REQUIRE(r2);
        CHECK(r2->status == 201);
        CHECK(body_json(r2)["store"]["id"] == k_store_b);
    }
}

TEST_CASE("enrolment: unknown, expired and malformed requests are refused", "[server][enroll]") {
    TestServer srv;
    auto c = srv.client();
    const std::string before = srv.dump();

    SECTION("unknown code") {
        auto r =
            post_json(c, "/api/v1/enroll", "", R"({"code":"AAAA-BBBB-CCCC","device_name":"x"})");
        REQUIRE(r);
        CHECK(r->status == 401);
        CHECK(error_code(r) == "invalid_code");
    }
    SECTION("expired code") {
        const std::string code = "ZZZZ-ZZZZ-ZZZZ";
        REQUIRE(srv.storage().create_enrollment_code(
            touchpoint::server::hash_secret(touchpoint::server::normalize_enrollment_code(code)),
            k_tp_a, now_ms() - 10000, now_ms() - 1));
        const std::string with_code = srv.dump();
        auto r =
            post_json(c, "/api/v1/enroll", "", json{{"code", code}, {"device_name", "x"}}.dump());
        REQUIRE(r);
        CHECK(r->status == 401);
        CHECK(error_code(r) == "code_expired");
        CHECK(srv.dump() == with_code);
        return;
    }
    SECTION("malformed JSON") {
        auto r = post_json(c, "/api/v1/enroll", "", R"({"code": "AAAA)");
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(error_code(r) == "malformed_json");
    }
    SECTION("missing code") {
        auto r = post_json(c, "/api/v1/enroll", "", R"({"device_name":"x"})");
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(error_code(r) == "invalid_request");
        CHECK(body_json(r)["error"]["message"].get<std::string>().find("code") !=
              std::string::npos);
    }
    SECTION("wrong types") {
        for (const char* body :
             {R"({"code":123})", R"({"code":"AAAA","device_name":7})", R"([1,2])", R"("code")"}) {
            auto r = post_json(c, "/api/v1/enroll", "", body);
            REQUIRE(r);
            CHECK(r->status == 400);
            CHECK(error_code(r) == "invalid_request");
        }
    }
    SECTION("an over-long device name") {
        std::string code = srv.create_code(k_tp_a);
        const std::string with_code = srv.dump();
        auto r = post_json(c, "/api/v1/enroll", "",
                           json{{"code", code}, {"device_name", std::string(101, 'x')}}.dump());
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(srv.dump() == with_code);
        return;
    }
    SECTION("wrong content type") {
        auto r = post_json(c, "/api/v1/enroll", "", R"({"code":"AAAA"})", "text/plain");
        REQUIRE(r);
        CHECK(r->status == 415);
        CHECK(error_code(r) == "unsupported_media_type");
    }
    SECTION("wrong method") {
        auto r = c.Get("/api/v1/enroll");
        REQUIRE(r);
        CHECK(r->status == 405);
        CHECK(error_code(r) == "method_not_allowed");
    }
    CHECK(srv.dump() == before);
}
