// ImGui draw data through the kiosk's SDL renderer backend, on SDL's software
// renderer in memory (SDL's "dummy" video driver: no display needed), read
// back pixel by pixel: colours, clip rectangles, text from the font texture,
// and draw lists past 65,536 vertices (16-bit indices with vertex offsets).
#include "platform/imgui_render.h"

#include "imgui.h"

#include <SDL.h>
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <vector>

using namespace touchpoint::platform;

namespace {

constexpr int k_w = 200, k_h = 100;

struct Rgb {
    int r, g, b;
};

// An SDL software renderer on an off-screen window plus an ImGui context
// drawing into it.
class Canvas {
public:
    Canvas() {
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
        REQUIRE(SDL_Init(SDL_INIT_VIDEO) == 0);
        window = SDL_CreateWindow("test", 0, 0, k_w, k_h, 0);
        REQUIRE(window);
        renderer = SDL_CreateRenderer(window, -1, SDL_RENDERER_SOFTWARE);
        REQUIRE(renderer);
        ImGui::CreateContext();
        ImGuiIO& io = ImGui::GetIO();
        io.IniFilename = nullptr;
        io.DisplaySize = ImVec2(k_w, k_h);
        io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
        io.Fonts->AddFontDefault();
    }
    ~Canvas() {
        destroy_font_texture(*ImGui::GetIO().Fonts);
        ImGui::DestroyContext();
        SDL_DestroyRenderer(renderer);
        SDL_DestroyWindow(window);
        SDL_Quit();
    }

    // Renders what `draw` adds to the foreground draw list on white and
    // reads the pixels back.
    template <typename Draw> void frame(Draw draw) {
        ImGui::NewFrame();
        draw(*ImGui::GetForegroundDrawList());
        ImGui::Render();
        SDL_SetRenderDrawColor(renderer, 255, 255, 255, 255);
        SDL_RenderClear(renderer);
        render_draw_data(renderer, *ImGui::GetDrawData());
        pixels.assign(static_cast<size_t>(k_w) * k_h * 4, 0);
        REQUIRE(SDL_RenderReadPixels(renderer, nullptr, SDL_PIXELFORMAT_RGBA32, pixels.data(), k_w * 4) == 0);
    }
    Rgb at(int x, int y) const {
        const unsigned char* p = &pixels[(static_cast<size_t>(y) * k_w + x) * 4];
        return {p[0], p[1], p[2]};
    }

    SDL_Window* window = nullptr;
    SDL_Renderer* renderer = nullptr;
    std::vector<unsigned char> pixels;
};

bool same(Rgb a, Rgb b) { return a.r == b.r && a.g == b.g && a.b == b.b; }

} // namespace

TEST_CASE("draw data reaches SDL's software renderer: colours, clipping and text") {
    Canvas c;
    ImFontAtlas& atlas = *ImGui::GetIO().Fonts;
    REQUIRE(create_font_texture(c.renderer, atlas));
    REQUIRE(atlas.TexID != nullptr);

    ImFont* font = atlas.Fonts[0];
    const ImVec2 text_at(120, 10);
    c.frame([&](ImDrawList& dl) {
        dl.AddRectFilled(ImVec2(10, 10), ImVec2(50, 40), IM_COL32(200, 30, 40, 255));
        // Half-transparent blue over white.
        dl.AddRectFilled(ImVec2(60, 10), ImVec2(80, 40), IM_COL32(0, 0, 255, 128));
        // A rectangle clipped to 100..120 x 50..70.
        dl.PushClipRect(ImVec2(100, 50), ImVec2(120, 70));
        dl.AddRectFilled(ImVec2(90, 40), ImVec2(150, 95), IM_COL32(20, 160, 60, 255));
        dl.PopClipRect();
        dl.AddText(font, font->FontSize, text_at, IM_COL32(0, 0, 0, 255), "W");
    });

    CHECK(same(c.at(30, 25), {200, 30, 40}));
    CHECK(same(c.at(5, 5), {255, 255, 255}));
    CHECK(same(c.at(50, 40), {255, 255, 255})); // the far corner is outside
    const Rgb blend = c.at(70, 25);
    CHECK(std::abs(blend.r - 127) <= 2);
    CHECK(std::abs(blend.g - 127) <= 2);
    CHECK(blend.b == 255);

    CHECK(same(c.at(100, 50), {20, 160, 60}));
    CHECK(same(c.at(119, 69), {20, 160, 60}));
    CHECK(same(c.at(95, 45), {255, 255, 255}));
    CHECK(same(c.at(120, 60), {255, 255, 255}));
    CHECK(same(c.at(110, 70), {255, 255, 255}));
    CHECK(same(c.at(140, 90), {255, 255, 255}));

    // The glyph's pixels are the atlas's coverage, black over white.
    unsigned char* tex = nullptr;
    int tw = 0, th = 0;
    atlas.GetTexDataAsRGBA32(&tex, &tw, &th);
    const ImFontGlyph* g = font->FindGlyph('W');
    REQUIRE(g);
    const int gx = static_cast<int>(text_at.x + g->X0), gy = static_cast<int>(text_at.y + g->Y0);
    const int gw = static_cast<int>(g->X1 - g->X0), gh = static_cast<int>(g->Y1 - g->Y0);
    const int u = static_cast<int>(g->U0 * tw + 0.5f), v = static_cast<int>(g->V0 * th + 0.5f);
    REQUIRE(gw > 2);
    REQUIRE(gh > 2);
    int inked = 0;
    for (int y = 0; y < gh; ++y) {
        for (int x = 0; x < gw; ++x) {
            const int coverage = tex[(static_cast<size_t>(v + y) * tw + (u + x)) * 4 + 3];
            const Rgb p = c.at(gx + x, gy + y);
            INFO("glyph pixel " << x << "," << y << " coverage " << coverage);
            CHECK(std::abs(p.r - (255 - coverage)) <= 2);
            if (coverage > 128)
                ++inked;
        }
    }
    CHECK(inked >= gh); // a W has at least a row's worth of ink per line
}

TEST_CASE("a draw list past 65,536 vertices is drawn whole (vertex offsets)") {
    Canvas c;
    REQUIRE(create_font_texture(c.renderer, *ImGui::GetIO().Fonts));
    // 17,000 one-pixel squares (4 vertices each: 68,000), each its own colour.
    constexpr int n = 17000;
    auto colour = [](int i) { return Rgb{i & 0xFF, (i >> 8) & 0xFF, 7}; };
    c.frame([&](ImDrawList& dl) {
        for (int i = 0; i < n; ++i) {
            const float x = static_cast<float>(i % k_w), y = static_cast<float>(i / k_w);
            const Rgb rgb = colour(i);
            dl.AddRectFilled(ImVec2(x, y), ImVec2(x + 1, y + 1),
                             IM_COL32(rgb.r, rgb.g, rgb.b, 255));
        }
        REQUIRE(dl.VtxBuffer.Size > 65536);
    });
    int wrong = 0;
    for (int i = 0; i < n; ++i)
        if (!same(c.at(i % k_w, i / k_w), colour(i)))
            ++wrong;
    CHECK(wrong == 0);
    CHECK(same(c.at((n + 5) % k_w, (n + 5) / k_w), {255, 255, 255}));
}

TEST_CASE("the font texture follows the atlas and is freed with it") {
    Canvas c;
    ImFontAtlas& atlas = *ImGui::GetIO().Fonts;
    REQUIRE(create_font_texture(c.renderer, atlas));
    SDL_Texture* first = static_cast<SDL_Texture*>(atlas.TexID);
    int w = 0, h = 0;
    REQUIRE(SDL_QueryTexture(first, nullptr, nullptr, &w, &h) == 0);
    unsigned char* tex = nullptr;
    int tw = 0, th = 0;
    atlas.GetTexDataAsRGBA32(&tex, &tw, &th);
    CHECK(w == tw);
    CHECK(h == th);

    REQUIRE(create_font_texture(c.renderer, atlas)); // a rebuild replaces it
    CHECK(atlas.TexID != nullptr);
    destroy_font_texture(atlas);
    CHECK(atlas.TexID == nullptr);
    destroy_font_texture(atlas); // twice is harmless
}
