#pragma once
// A windowless Dear ImGui context for screen tests: no renderer, a dummy
// font texture id, and helpers to run frames and tap at a point.
#include <cfloat>
#include <cstdint>
#include <vector>

#include "imgui.h"
#include "ui/theme.h"

namespace touchpoint::ui::testing {

class Harness {
public:
    Harness(float width, float height) : m_ctx(ImGui::CreateContext()) {
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        io.LogFilename = nullptr;
        io.DisplaySize = ImVec2(width, height);
        io.DeltaTime = 1.0f / 60.0f;
        unsigned char* pixels = nullptr;
        int w = 0, h = 0;
        io.Fonts->GetTexDataAsRGBA32(&pixels, &w, &h);
        io.Fonts->SetTexID(reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(1)));
        apply_theme(false);
    }
    ~Harness() { ImGui::DestroyContext(m_ctx); }
    Harness(const Harness&) = delete;
    Harness& operator=(const Harness&) = delete;

    // One frame with the pointer at (x, y) (or nowhere) and the button state.
    template <typename Draw>
    auto frame(Draw draw, bool down = false, float x = -1.0f, float y = -1.0f) {
        ImGuiIO& io = ImGui::GetIO();
        io.MousePos = x < 0.0f ? ImVec2(-FLT_MAX, -FLT_MAX) : ImVec2(x, y);
        io.MouseDown[0] = down;
        ImGui::NewFrame();
        auto result = draw();
        ImGui::Render();
        return result;
    }

    // Idle, hover, press, release, idle frames at (x, y); returns every
    // result of `draw` in order so tests can count intents.
    template <typename Draw>
    auto tap(Draw draw, float x, float y) {
        std::vector<decltype(draw())> results;
        results.push_back(frame(draw));
        results.push_back(frame(draw, false, x, y));
        results.push_back(frame(draw, true, x, y));
        results.push_back(frame(draw, false, x, y));
        results.push_back(frame(draw));
        return results;
    }

private:
    ImGuiContext* m_ctx;
};

} // namespace touchpoint::ui::testing
