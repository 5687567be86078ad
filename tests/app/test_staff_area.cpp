// The staff area: PIN pad, roles, lock-out, inactivity, first start, PIN
// changes and settings — with a fake host and injected time.
#include "app/staff_area.h"

#include <catch2/catch.hpp>

using namespace touchpoint;
using namespace std::chrono;
using K = StaffIntent::Kind;

namespace {

const steady_clock::time_point t0{seconds{5000}};

struct FakeHost : StaffHost {
    bool paused = false;
    int syncs = 0;
    std::vector<std::int64_t> acknowledged;
    std::string manager_hash, staff_hash;
    int pin_saves = 0;
    DeviceOverrides settings;
    int exits = 0;
    int refreshes = 0;
    void set_paused(bool p) override { paused = p; }
    bool sync_now() override { return ++syncs, false; }
    Status acknowledge(std::int64_t id) override {
        return acknowledged.push_back(id), Status::success();
    }
    Status save_pin_hashes(const std::string& m, const std::string& s) override {
        manager_hash = m;
        staff_hash = s;
        ++pin_saves;
        return Status::success();
    }
    Status change_settings(const DeviceOverrides& p) override {
        settings.merge(p);
        return Status::success();
    }
    void exit_kiosk() override { ++exits; }
    void refresh() override { ++refreshes; }
};

StaffIntent digit(int d) {
    return {K::digit, d};
}
StaffIntent intent(K k) {
    return {k};
}

void type(StaffArea& area, const std::string& pin, steady_clock::time_point now) {
    for (char c : pin)
        area.handle(digit(c - '0'), now);
    area.handle(intent(K::ok), now);
}

// Hashes made once: Argon2id is slow by design.
const std::string& manager_hash() {
    static const std::string h = *hash_pin("2468");
    return h;
}
const std::string& staff_hash() {
    static const std::string h = *hash_pin("1357");
    return h;
}

} // namespace

TEST_CASE("the PIN pad shows dots, deletes and clears", "[staff]") {
    StaffAuth auth(manager_hash(), staff_hash());
    FakeHost host;
    StaffArea area(auth, host);
    area.start(t0);
    CHECK(area.screen() == StaffScreen::closed); // a manager PIN exists: no first start
    area.handle(digit(1), t0);                   // ignored while closed
    area.open(t0);
    REQUIRE(area.screen() == StaffScreen::pin);
    for (int d : {1, 2, 3})
        area.handle(digit(d), t0);
    PinPadModel p = area.pin_pad(t0);
    CHECK(p.entered == 3);
    CHECK(p.title == "Staff sign-in");
    CHECK(p.can_cancel);
    area.handle(intent(K::back), t0);
    CHECK(area.pin_pad(t0).entered == 2);
    area.handle(intent(K::clear), t0);
    CHECK(area.pin_pad(t0).entered == 0);
    for (int i = 0; i < 12; ++i)
        area.handle(digit(9), t0);
    CHECK(area.pin_pad(t0).entered == 8); // at most 8 digits
    area.handle(intent(K::cancel), t0);
    CHECK(area.screen() == StaffScreen::closed);
}

TEST_CASE("staff and manager PINs open the dashboard with their role", "[staff]") {
    StaffAuth auth(manager_hash(), staff_hash());
    FakeHost host;
    StaffArea area(auth, host);
    area.open(t0);
    type(area, "1357", t0);
    CHECK(area.screen() == StaffScreen::dashboard);
    CHECK(area.role() == Role::staff);

    // Staff: view, sync now, pause — but no settings and no exit.
    area.handle(intent(K::pause), t0);
    CHECK(host.paused);
    area.handle(intent(K::resume), t0);
    CHECK_FALSE(host.paused);
    area.handle(intent(K::sync_now), t0);
    CHECK(host.syncs == 1);
    area.handle({K::acknowledge, 0, 42}, t0);
    CHECK(host.acknowledged == std::vector<std::int64_t>{42});
    area.handle(intent(K::show_huddle), t0);
    CHECK(area.screen() == StaffScreen::huddle);
    area.handle(intent(K::show_health), t0);
    CHECK(area.screen() == StaffScreen::health);
    area.handle(intent(K::show_settings), t0);
    CHECK(area.screen() == StaffScreen::health);
    area.handle(intent(K::exit_kiosk), t0);
    CHECK(host.exits == 0);
    area.handle(intent(K::close), t0);
    CHECK(area.screen() == StaffScreen::closed);
    CHECK(area.role() == Role::none);

    area.open(t0);
    type(area, "2468", t0);
    CHECK(area.role() == Role::manager);
    area.handle(intent(K::show_settings), t0);
    CHECK(area.screen() == StaffScreen::settings);
    area.handle({K::set_language, 0, 0, 0, "mi"}, t0);
    area.handle({K::set_dim_timeout, 0, 0, 300}, t0);
    CHECK(host.settings.default_language == std::optional<std::string>("mi"));
    CHECK(host.settings.dim_timeout_s == std::optional<double>(300));
    CHECK(area.notice() == "Saved.");
    area.handle(intent(K::exit_kiosk), t0);
    CHECK(host.exits == 1);
}

TEST_CASE("wrong PINs lock the pad with a growing delay; the right PIN is refused while locked",
          "[staff]") {
    StaffAuth auth(manager_hash(), staff_hash());
    FakeHost host;
    StaffArea area(auth, host);
    area.open(t0);
    type(area, "0000", t0);
    CHECK(area.pin_pad(t0).message == "Wrong PIN");
    CHECK_FALSE(area.pin_pad(t0).locked);
    type(area, "0001", t0);
    type(area, "0002", t0); // third wrong PIN: locked for 30 s
    PinPadModel p = area.pin_pad(t0);
    CHECK(p.locked);
    CHECK(p.locked_seconds == 30);
    CHECK(p.message == "Locked — try again in 30 s");
    CHECK(area.pin_pad(t0 + seconds{10}).message == "Locked — try again in 20 s");
    type(area, "2468", t0 + seconds{10});
    CHECK(area.screen() == StaffScreen::pin); // refused while locked
    CHECK(area.role() == Role::none);
    // After the lock another wrong PIN locks for 60 s.
    type(area, "0003", t0 + seconds{31});
    CHECK(area.pin_pad(t0 + seconds{31}).locked_seconds == 60);
    type(area, "2468", t0 + seconds{92});
    CHECK(area.screen() == StaffScreen::dashboard);
    CHECK(area.role() == Role::manager);
}

TEST_CASE("the staff area closes itself after a minute untouched", "[staff]") {
    StaffAuth auth(manager_hash(), staff_hash());
    FakeHost host;
    StaffArea area(auth, host);
    area.open(t0);
    CHECK_FALSE(area.tick(t0 + seconds{59}));
    CHECK(area.tick(t0 + seconds{60})); // an unused PIN pad closes too
    CHECK(area.screen() == StaffScreen::closed);

    area.open(t0 + seconds{100});
    type(area, "1357", t0 + seconds{100});
    area.note_activity(t0 + seconds{150});
    CHECK(area.next_deadline(t0 + seconds{150}) == milliseconds{60000});
    CHECK_FALSE(area.tick(t0 + seconds{209}));
    CHECK(area.tick(t0 + seconds{210}));
    CHECK(area.screen() == StaffScreen::closed);
    CHECK(area.role() == Role::none);
}

TEST_CASE("first start: a new manager PIN, entered twice, before the survey starts",
          "[staff][first-start]") {
    StaffAuth auth("", "");
    FakeHost host;
    StaffArea area(auth, host);
    area.start(t0);
    REQUIRE(area.screen() == StaffScreen::set_pin);
    CHECK(area.first_start());
    CHECK_FALSE(area.pin_pad(t0).can_cancel);
    area.handle(intent(K::cancel), t0);
    CHECK(area.screen() == StaffScreen::set_pin); // cannot be skipped
    CHECK_FALSE(area.tick(t0 + hours{2}));        // nor does it time out

    type(area, "12", t0); // too short
    CHECK(area.pin_pad(t0).message == "A PIN has 4 to 8 digits.");
    type(area, "8642", t0);
    CHECK(area.pin_pad(t0).prompt == "Enter the same PIN again");
    type(area, "8641", t0); // not the same: start again
    CHECK(area.pin_pad(t0).message == "The two PINs were not the same. Start again.");
    CHECK(area.pin_pad(t0).prompt == "Choose a PIN of 4 to 8 digits");
    CHECK(host.pin_saves == 0);
    type(area, "8642", t0);
    type(area, "8642", t0);
    CHECK(host.pin_saves == 1);
    CHECK(verify_pin(host.manager_hash, "8642"));
    CHECK(host.staff_hash.empty());
    CHECK(area.screen() == StaffScreen::closed); // the survey starts
    CHECK(auth.has_manager_pin());

    // The new PIN opens the manager's area.
    area.open(t0);
    type(area, "8642", t0);
    CHECK(area.role() == Role::manager);
}

TEST_CASE("the manager changes the staff PIN", "[staff]") {
    StaffAuth auth(manager_hash(), "");
    FakeHost host;
    StaffArea area(auth, host);
    area.open(t0);
    type(area, "2468", t0);
    area.handle(intent(K::show_settings), t0);
    area.handle(intent(K::change_staff_pin), t0);
    CHECK(area.screen() == StaffScreen::set_pin);
    CHECK(area.pin_pad(t0).title == "New staff PIN");
    type(area, "5555", t0);
    type(area, "5555", t0);
    CHECK(area.screen() == StaffScreen::settings);
    CHECK(area.notice() == "The staff PIN was changed.");
    CHECK(host.manager_hash == manager_hash());
    CHECK(verify_pin(host.staff_hash, "5555"));
    area.handle(intent(K::close), t0);
    area.open(t0);
    type(area, "5555", t0);
    CHECK(area.role() == Role::staff);
}
