// Prints where the kiosk draws things at a window size, so the end-to-end
// scripts can tap them with xdotool. It lays the screens out exactly as the
// kiosk does: an ImGui context with the same font at the same sizes (text
// widths decide where chips and keys go).
//
//   layout_probe SCALE W H DPI                 "score x y" per answer
//   layout_probe reasons W H DPI ID=LABEL...   "reason ID x y", "done x y", "skip x y"
//   layout_probe keys W H DPI LANG             "key TEXT x y", "space x y", "done x y", ...
#include "core/scale.h"
#include "ui/keyboard.h"
#include "ui/layout.h"
#include "ui/theme.h"

#include "imgui.h"

#include <cstdint>
#include <cstdio>
#include <string>

using namespace touchpoint;

namespace {

void start_imgui(float w, float h, float dpi) {
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.DisplaySize = ImVec2(w, h);
    io.DeltaTime = 1.0f / 60.0f;
    for (float px : ui::font_pixel_sizes(w, h, dpi)) {
        ImFontConfig cfg;
        cfg.OversampleH = 2;
        cfg.OversampleV = 1;
        cfg.PixelSnapH = true;
        if (!io.Fonts->AddFontFromFileTTF("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf", px, &cfg))
            io.Fonts->AddFontDefault();
    }
    unsigned char* pixels = nullptr;
    int tw = 0, th = 0;
    io.Fonts->GetTexDataAsRGBA32(&pixels, &tw, &th);
    io.Fonts->SetTexID(reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(1)));
    ui::apply_theme(false);
    ImGui::NewFrame();
}

void print(const char* what, const ui::Rect& r) {
    std::printf("%s %d %d\n", what, static_cast<int>(r.cx()), static_cast<int>(r.cy()));
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: layout_probe SCALE|reasons|keys WIDTH HEIGHT DPI [...]\n");
        return 2;
    }
    const std::string mode = argv[1];
    const float w = std::stof(argv[2]), h = std::stof(argv[3]), dpi = std::stof(argv[4]);
    start_imgui(w, h, dpi);
    ui::Look look;
    look.dpi = dpi;

    if (mode == "reasons") {
        ui::ReasonsView v;
        v.prompt = "What was the main reason?";
        for (int i = 5; i < argc; ++i) {
            std::string arg = argv[i];
            auto eq = arg.find('=');
            v.reasons.emplace_back(arg.substr(0, eq), eq == std::string::npos ? arg : arg.substr(eq + 1));
        }
        v.look = look;
        ui::ReasonsLayout l = ui::layout_reasons(v, w, h);
        for (std::size_t i = 0; i < l.reasons.size(); ++i)
            print(("reason " + v.reasons[i].first).c_str(), l.reasons[i]);
        print("done", l.done);
        print("skip", l.skip);
    } else if (mode == "keys") {
        ui::CommentView v;
        v.prompt = "Anything else you'd like to tell us? (optional)";
        v.language = argc > 5 ? argv[5] : "en";
        v.look = look;
        ui::CommentLayout l = ui::layout_comment(v, w, h);
        for (const auto& k : l.keys) {
            switch (k.key.kind) {
            case ui::Key::Kind::character: print(("key " + k.key.text).c_str(), k.rect); break;
            case ui::Key::Kind::space: print("space", k.rect); break;
            case ui::Key::Kind::backspace: print("backspace", k.rect); break;
            case ui::Key::Kind::shift: print("shift", k.rect); break;
            case ui::Key::Kind::done: print("done", k.rect); break;
            }
        }
        print("skip", l.skip);
    } else {
        auto scale = scale_from_string(mode);
        if (!scale) {
            std::fprintf(stderr, "layout_probe: unknown scale or mode %s\n", argv[1]);
            return 2;
        }
        ui::QuestionView v;
        v.scale = *scale;
        v.question = "?";
        v.answers = ui::default_answers(*scale);
        v.look = look;
        auto rects = ui::answer_rects(v, w, h);
        for (std::size_t i = 0; i < rects.size(); ++i)
            std::printf("%d %d %d\n", v.answers[i].score, static_cast<int>(rects[i].cx()),
                        static_cast<int>(rects[i].cy()));
    }
    ImGui::Render();
    ImGui::DestroyContext();
    return 0;
}
