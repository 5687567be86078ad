// Batch outcomes item by item, straight through the storage: new, resent,
// conflicting, erased and repeated ids mixed in one batch get their outcomes
// in input order, new responses gapless sequence numbers in batch order, and
// the roll-ups count exactly what is stored. Any text survives as sent.
#include "server_fixture.h"

#include <catch2/catch.hpp>

using namespace tpt;
using touchpoint::server::IncomingResponse;
using touchpoint::server::IngestStatus;

namespace {

touchpoint::server::DeviceRecord device_of(TestServer& srv, const std::string& store) {
    auto devices = srv.storage().list_devices(store);
    REQUIRE(devices);
    REQUIRE(devices->size() == 1);
    return (*devices)[0];
}

IncomingResponse incoming(const touchpoint::server::DeviceRecord& d, const std::string& id,
                          const std::string& content_hash, int score, int hour = 9,
                          const std::string& day = "2026-03-02") {
    IncomingResponse in;
    touchpoint::Response& r = in.response;
    r.id = id;
    r.device_id = d.id;
    r.touch_point = d.touch_point;
    r.survey_id = "checkout";
    r.survey_version = 2;
    r.question_id = "how-was-it";
    r.scale = touchpoint::Scale::smiley4;
    r.score = score;
    r.language = "en";
    r.utc_ms = now_ms() - 60000;
    r.local_day = day;
    r.local_hour = hour;
    char local[40];
    std::snprintf(local, sizeof local, "%sT%02d:30:00+13:00", day.c_str(), hour);
    r.local_time = local;
    r.sequence = score;
    r.closed = true;
    in.content_hash = content_hash;
    return in;
}

std::vector<IngestStatus> ingest(TestServer& srv, const touchpoint::server::DeviceRecord& d,
                                 std::vector<IncomingResponse> batch) {
    for (std::size_t i = 0; i < batch.size(); ++i)
        batch[i].index = i;
    auto out = srv.storage().ingest_batch(d, batch, "", now_ms());
    REQUIRE(out);
    REQUIRE(out->items.size() == batch.size());
    return out->items;
}

std::int64_t seq_of(TestServer& srv, const std::string& id) {
    auto r = srv.storage().response(id);
    REQUIRE(r);
    REQUIRE(r->has_value());
    return (*r)->seq;
}

// The roll-up's rows against the same counts made from the responses.
void check_rollups_exact(TestServer& srv) {
    CHECK(srv.rows("SELECT store_id, touch_point, local_day, local_hour, scale, score, misuse, n "
                   "FROM response_rollup ORDER BY 1, 2, 3, 4, 5, 6, 7") ==
          srv.rows("SELECT store_id, touch_point, local_day, local_hour, scale, score, misuse, "
                   "count(*) FROM responses GROUP BY 1, 2, 3, 4, 5, 6, 7 "
                   "ORDER BY 1, 2, 3, 4, 5, 6, 7"));
    CHECK(srv.rows("SELECT store_id, touch_point, local_day, scale, score, misuse, n "
                   "FROM response_rollup_daily ORDER BY 1, 2, 3, 4, 5, 6") ==
          srv.rows("SELECT store_id, touch_point, local_day, scale, score, misuse, count(*) "
                   "FROM responses GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6"));
}

} // namespace

TEST_CASE("batch outcomes: a mixed batch is answered item by item, in order", "[server][batch]") {
    TestServer srv;
    srv.enroll(k_tp_a);
    srv.enroll(k_tp_b, "helpdesk");
    const auto a = device_of(srv, k_store_a);
    const auto b = device_of(srv, k_store_b);

    const std::string kept = new_id(), erased = new_id(), other = new_id();
    CHECK(ingest(srv, a,
                 {incoming(a, kept, "kept", 4), incoming(a, erased, "erased", 3, 10),
                  incoming(a, other, "other", 2, 11, "2026-03-03")}) ==
          std::vector<IngestStatus>(3, IngestStatus::accepted));
    CHECK(seq_of(srv, kept) == 1);
    CHECK(seq_of(srv, other) == 3);
    auto gone = srv.storage().erase_response(erased, now_ms());
    REQUIRE(gone);
    REQUIRE(*gone == touchpoint::server::EraseStatus::erased);

    const std::string n1 = new_id(), n2 = new_id(), n3 = new_id();
    const std::vector<IngestStatus> outcomes =
        ingest(srv, a,
               {incoming(a, n1, "n1", 1),                    // new
                incoming(a, kept, "kept", 4),                // resent
                incoming(a, kept, "changed", 1),             // other content: conflict
                incoming(a, erased, "erased", 3, 10),        // erased: never again
                incoming(a, n2, "n2", 2, 12),                // new
                incoming(a, n1, "n1", 1),                    // repeated in this batch
                incoming(a, n2, "n2 changed", 3, 12),        // repeated, other content
                incoming(a, other, "other changed", 2, 11),  // stored, other content
                incoming(a, n3, "n3", 4, 9, "2026-03-03")}); // new
    using S = IngestStatus;
    CHECK(outcomes == std::vector<IngestStatus>{S::accepted, S::duplicate, S::conflict,
                                                S::duplicate, S::accepted, S::duplicate,
                                                S::conflict, S::conflict, S::accepted});

    // The new ones numbered on from the last batch, in batch order, no gap.
    CHECK(seq_of(srv, n1) == 4);
    CHECK(seq_of(srv, n2) == 5);
    CHECK(seq_of(srv, n3) == 6);
    auto last = srv.storage().last_seq();
    REQUIRE(last);
    CHECK(*last == 6);
    CHECK(srv.count("responses") == 5);
    CHECK(srv.count("responses", "id = '" + erased + "'") == 0);
    // The first content stays under a conflicting id.
    auto first = srv.storage().response(kept);
    REQUIRE(first);
    REQUIRE(first->has_value());
    CHECK((*first)->response.score == 4);
    CHECK(srv.rows("SELECT content_hash FROM responses WHERE id = '" + n2 + "'").at(0).at(0) ==
          "n2");
    check_rollups_exact(srv);

    SECTION("another device's batch carries on the same sequence") {
        const std::string m1 = new_id(), m2 = new_id();
        CHECK(ingest(srv, b,
                     {incoming(b, m1, "m1", 1), incoming(b, kept, "kept", 4),
                      incoming(b, m2, "m2", 2, 20)}) ==
              std::vector<IngestStatus>{S::accepted, S::duplicate, S::accepted});
        CHECK(seq_of(srv, m1) == 7);
        CHECK(seq_of(srv, m2) == 8);
        check_rollups_exact(srv);
    }

    SECTION("a batch with nothing new leaves the sequence and the roll-ups alone") {
        const std::string before = srv.dump(false);
        CHECK(ingest(srv, a,
                     {incoming(a, n3, "n3", 4, 9, "2026-03-03"),
                      incoming(a, erased, "erased", 3, 10)}) ==
              std::vector<IngestStatus>{S::duplicate, S::duplicate});
        CHECK(srv.dump(false) == before);
    }

    SECTION("an empty batch is an empty answer") {
        CHECK(ingest(srv, a, {}).empty());
        auto again = srv.storage().last_seq();
        REQUIRE(again);
        CHECK(*again == 6);
    }
}

TEST_CASE("batch outcomes: texts are stored exactly as sent", "[server][batch]") {
    TestServer srv;
    srv.enroll(k_tp_a);
    const auto a = device_of(srv, k_store_a);
    const std::vector<std::string> texts = {
        "",
        "NULL",
        "plain",
        "with \"quotes\", commas and {braces}",
        "back\\slash \\\" and a trailing backslash\\",
        "two\nlines\r\nand a\ttab",
        " leading and trailing spaces ",
        "Kia ora — the queue was long. 排队太久",
        "=1+2",
        "'single' quotes; semi;colons",
    };
    std::vector<IncomingResponse> batch;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        IncomingResponse in = incoming(a, new_id(), texts[i], static_cast<int>(1 + i % 4));
        in.response.comment = texts[i];
        in.response.reasons = {texts[i], texts[(i + 1) % texts.size()]};
        in.response.language = i % 2 ? "mi" : "zh";
        in.response.misuse = i % 3 == 0;
        in.response.clock_suspect = i % 2 == 0;
        in.server_clock_suspect = i % 4 == 1;
        batch.push_back(std::move(in));
    }
    CHECK(ingest(srv, a, batch) == std::vector<IngestStatus>(texts.size(), IngestStatus::accepted));
    for (std::size_t i = 0; i < batch.size(); ++i) {
        INFO("text " << i);
        const touchpoint::Response& sent = batch[i].response;
        auto got = srv.storage().response(sent.id);
        REQUIRE(got);
        REQUIRE(got->has_value());
        const auto& stored = **got;
        CHECK(stored.response.comment == sent.comment);
        CHECK(stored.response.reasons == sent.reasons);
        CHECK(stored.response.language == sent.language);
        CHECK(stored.response.misuse == sent.misuse);
        CHECK(stored.device_clock_suspect == sent.clock_suspect);
        CHECK(stored.server_clock_suspect == batch[i].server_clock_suspect);
        CHECK(stored.response.local_time == sent.local_time);
        CHECK(stored.response.utc_ms == sent.utc_ms);
        CHECK(stored.response.survey_version == 2);
        CHECK(stored.store_id == k_store_a);
        CHECK(stored.seq == static_cast<std::int64_t>(i + 1));
        CHECK(srv.rows("SELECT content_hash FROM responses WHERE id = '" + sent.id + "'")
                  .at(0)
                  .at(0) == texts[i]);
        // A resend with the same content is recognised by its hash.
        CHECK(ingest(srv, a, {batch[i]}) == std::vector<IngestStatus>{IngestStatus::duplicate});
    }
    check_rollups_exact(srv);
}
