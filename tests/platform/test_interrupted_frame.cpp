// A frame whose drawing stopped half-way (an exception thrown out of a
// screen) is ended cleanly: the next frames draw as usual instead of failing
// ImGui's checks, which abort the kiosk.
#include "platform/window.h"

#include "../ui/imgui_harness.h"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace touchpoint;

namespace {

// Leaves a window, a child, a group, an ID, a colour and a style variable
// open, as drawing code cut short would, then throws.
void draw_and_throw() {
    ImGui::Begin("screen", nullptr, ImGuiWindowFlags_NoDecoration);
    ImGui::BeginChild("panel", ImVec2(200, 100));
    ImGui::BeginGroup();
    ImGui::PushID("row");
    ImGui::PushStyleColor(ImGuiCol_Text, IM_COL32(255, 0, 0, 255));
    ImGui::PushStyleVar(ImGuiStyleVar_Alpha, 0.5f);
    ImGui::TextUnformatted("half a frame");
    throw std::runtime_error("cut short");
}

bool button_frame() {
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(400, 300));
    ImGui::Begin("screen", nullptr, ImGuiWindowFlags_NoDecoration);
    const bool pressed = ImGui::Button("OK", ImVec2(200, 100));
    ImGui::End();
    return pressed;
}

} // namespace

TEST_CASE("a frame cut short by an exception is ended, and the next frames work", "[frame]") {
    ui::testing::Harness imgui(800, 600);
    imgui.frame(button_frame);
    const ImGuiStyle before = ImGui::GetStyle();
    for (int i = 0; i < 3; ++i) {
        ImGui::NewFrame();
        CHECK_THROWS_AS(draw_and_throw(), std::runtime_error);
        platform::end_interrupted_frame();
        // Back to the style it had before.
        CHECK(ImGui::GetStyle().Alpha == before.Alpha);
        const ImVec4 text = ImGui::GetStyle().Colors[ImGuiCol_Text];
        const ImVec4 was = before.Colors[ImGuiCol_Text];
        CHECK((text.x == was.x && text.y == was.y && text.z == was.z && text.w == was.w));
    }
    // Taps still work: the button is pressed once.
    int pressed = 0;
    for (bool p : imgui.tap(button_frame, 100, 50))
        pressed += p;
    CHECK(pressed == 1);
    CHECK(ImGui::GetDrawData() != nullptr);
}
