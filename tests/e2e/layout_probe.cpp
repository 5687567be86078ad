// Prints where the kiosk draws each answer of a scale at a window size, so the
// end-to-end scripts can tap them with xdotool: one "score x y" line each.
#include "core/scale.h"
#include "ui/layout.h"

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
    if (argc != 5) {
        std::fprintf(stderr, "usage: layout_probe SCALE WIDTH HEIGHT DPI\n");
        return 2;
    }
    auto scale = touchpoint::scale_from_string(argv[1]);
    if (!scale) {
        std::fprintf(stderr, "layout_probe: unknown scale %s\n", argv[1]);
        return 2;
    }
    touchpoint::ui::QuestionView v;
    v.scale = *scale;
    v.question = "?";
    v.answers = touchpoint::ui::default_answers(*scale);
    v.look.dpi = std::stof(argv[4]);
    auto rects = touchpoint::ui::answer_rects(v, std::stof(argv[2]), std::stof(argv[3]));
    for (std::size_t i = 0; i < rects.size(); ++i)
        std::printf("%d %d %d\n", v.answers[i].score, static_cast<int>(rects[i].cx()),
                    static_cast<int>(rects[i].cy()));
    return 0;
}
