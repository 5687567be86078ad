// The kiosk's start-up font path in a real window (run under Xvfb): an atlas
// built by platform::FontAtlasJob on its own thread while Window::create loads
// the GL stack, then adopted. Checks, over many starts (the two run at once,
// so a shared-state race would show as a crash or a wrong atlas):
//  - the adopted atlas is ImGui's, with one font per size asked for, at those
//    sizes, holding the glyphs of the texts (Latin with macrons, and CJK);
//  - the font texture is the renderer's and a frame renders with it;
//  - load_fonts() after an adopt still rebuilds (the language switch path).
// Prints one line per failure and exits 1 if any.
//
//   font_job_probe [STARTS]
#include "platform/window.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace touchpoint;

namespace {

int failures = 0;

void check(bool ok, const std::string& what, int start) {
    if (ok) return;
    std::printf("start %d: %s\n", start, what.c_str());
    ++failures;
}

bool has_glyph(const ImFont* font, ImWchar c) { return font->FindGlyphNoFallback(c) != nullptr; }

} // namespace

int main(int argc, char** argv) {
    const int starts = argc > 1 ? std::atoi(argv[1]) : 12;
    platform::configure_environment();
    const std::vector<float> sizes{18.0f, 30.0f, 52.0f};
    const std::vector<std::string> texts{"Kia ora — Māori", "中文", "¿Cómo fue?"};
    for (int start = 1; start <= starts; ++start) {
        std::string error;
        if (!platform::init_video(error)) {
            std::printf("%s\n", error.c_str());
            return 1;
        }
        platform::WindowOptions wo;
        wo.fullscreen = false;
        wo.width = 800;
        wo.height = 480;
        check(platform::planned_size(wo) == std::make_pair(800, 480), "planned size", start);

        platform::FontAtlasJob job(sizes, texts); // builds while the window is made
        auto window = platform::Window::create(wo, error);
        if (!window) {
            std::printf("%s\n", error.c_str());
            return 1;
        }
        check(window->size() == platform::planned_size(wo), "window size differs from planned", start);
        check(window->adopt_fonts(job), "adopt_fonts fell back to the built-in font", start);

        ImFontAtlas* atlas = ImGui::GetIO().Fonts;
        check(atlas->Fonts.Size == static_cast<int>(sizes.size()),
              "adopted atlas holds " + std::to_string(atlas->Fonts.Size) + " fonts", start);
        for (int i = 0; i < atlas->Fonts.Size && i < static_cast<int>(sizes.size()); ++i) {
            const ImFont* f = atlas->Fonts[i];
            check(f->FontSize == sizes[static_cast<std::size_t>(i)], "font size", start);
            check(has_glyph(f, 'K') && has_glyph(f, 0x0101 /* ā */) && has_glyph(f, 0x00F3),
                  "a Latin glyph is missing", start);
            check(has_glyph(f, 0x4E2D /* 中 */) && has_glyph(f, 0x6587 /* 文 */),
                  "a CJK glyph is missing", start);
        }
        check(atlas->TexID != nullptr, "no font texture in the renderer", start);

        // A frame with the adopted fonts.
        window->begin_frame();
        ImGui::SetNextWindowPos(ImVec2(0, 0));
        ImGui::Begin("probe");
        ImGui::PushFont(atlas->Fonts.back());
        ImGui::TextUnformatted("Kia ora 中文");
        ImGui::PopFont();
        ImGui::End();
        window->end_frame();

        // The language switch path rebuilds the adopted atlas in place.
        check(window->load_fonts({24.0f}, {"Hola"}), "load_fonts after adopt", start);
        check(ImGui::GetIO().Fonts->Fonts.Size == 1, "load_fonts left the old fonts", start);
        window->begin_frame();
        window->end_frame();
    }
    if (failures == 0) std::printf("%d starts: every adopted atlas complete\n", starts);
    return failures == 0 ? 0 : 1;
}
