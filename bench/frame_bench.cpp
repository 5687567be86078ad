// Frame benchmark (SPEC "Kiosk performance"): CPU time to build one frame of
// each customer screen, headless. An ImGui context with no renderer (the
// font atlas is built, its texture never uploaded) runs NewFrame -> draw_* ->
// Render; the time is the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so
// other processes on the machine shift it little. The baseline, measured in
// the same run, is an empty frame: NewFrame, one empty full-screen window,
// Render.
//
// Every screen has its own ImGui context (sharing one font atlas), and the
// screens take turns frame by frame, in a rotating order: each context sees
// a steady screen, as the kiosk does, while a burst of load elsewhere hits
// every screen and the baseline alike.
//
//   frame_bench [--frames N]
//
// Prints p50/p99 per screen and the ratio to the empty frame, at 1280x800 and
// 1920x1080. Exits non-zero only on errors; a missed target is printed.
//
// Then, for information (no target): the CPU time SDL's software renderer
// (what a kiosk without a GPU draws with) takes to turn each screen's draw
// data into pixels: clear + draw, in memory (SDL's dummy video driver), the
// present to the display left out; baseline: clearing the frame.
#include "bench_util.h"

#include "imgui.h"
#include "platform/imgui_render.h"
#include "ui/screens.h"
#include "ui/theme.h"

#include <SDL.h>

#include <time.h>

#include <algorithm>
#include <cfloat>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using namespace touchpoint;
using namespace touchpoint::bench;

namespace {

const char* const k_font_path = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf";
constexpr double k_target_p99_ms = 0.5;

double thread_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// --- What the screens show ---

std::vector<std::pair<std::string, std::string>> languages() {
    return {{"en", "English"}, {"mi", "Māori"}, {"es", "Español"}, {"fr", "Français"}};
}

ui::QuestionView question_view(Scale scale) {
    ui::QuestionView v;
    v.scale = scale;
    switch (scale) {
    case Scale::nps:
        v.question = "How likely are you to recommend us to a friend or colleague?";
        break;
    case Scale::ces7:
        v.question = "How easy was it to return your item today?";
        break;
    case Scale::thumbs:
        v.question = "Was the restroom clean?";
        break;
    default:
        v.question = "How was your checkout today?";
        break;
    }
    v.languages = languages();
    v.language = "en";
    v.look.dpi = 96.0f;
    return v;
}

ui::ReasonsView reasons_view() {
    ui::ReasonsView v;
    v.prompt = "What was the main reason?";
    v.reasons = {{"wait", "Waiting time"}, {"staff", "Staff friendliness"},
                 {"price", "Price"},       {"stock", "Product availability"},
                 {"clean", "Cleanliness"}, {"other", "Something else"}};
    v.chosen = {"price"};
    return v;
}

ui::ThankYouView thank_you_view() {
    ui::ThankYouView v;
    v.text = "Thank you! Have a great day.";
    return v;
}

ui::CommentView comment_view() {
    ui::CommentView v;
    v.prompt = "Anything else you'd like to tell us? (optional)";
    v.text = "Quick and friendly, thank you";
    return v;
}

ui::MessageView message_view() {
    ui::MessageView v;
    v.title = "Closed";
    v.text = "Please come back during opening hours.";
    return v;
}

// Every text the screens draw, so the atlas holds their glyphs (as the kiosk
// builds it: printable ASCII plus the characters of the texts).
std::vector<std::string> all_texts() {
    std::vector<std::string> t;
    for (Scale s : {Scale::smiley4, Scale::smiley5, Scale::nps, Scale::ces7, Scale::thumbs}) {
        ui::QuestionView q = question_view(s);
        t.push_back(q.question);
        for (const auto& a : ui::default_answers(s))
            t.push_back(a.label);
    }
    for (const auto& [code, name] : languages())
        t.push_back(name);
    t.push_back("Not likely Very likely Very difficult Very easy High contrast Larger text");
    for (const auto& [id, label] : reasons_view().reasons)
        t.push_back(label);
    t.push_back(thank_you_view().text);
    t.push_back(message_view().title + message_view().text);
    const ui::CommentView c = comment_view();
    t.push_back(c.prompt + c.text + c.full_label + c.done_label + c.skip_label + c.space_label +
                c.shift_label + c.backspace_label);
    return t;
}

// --- Fonts ---

// One atlas for every context of a display size: Noto Sans at the sizes the
// screens use, or ImGui's built-in font when the file is missing.
struct Fonts {
    ImFontAtlas atlas;
    std::vector<char> ttf; // not owned by the atlas; outlives it
    ImVector<ImWchar> ranges;
    std::vector<float> sizes;
    bool noto = false;
    int tex_w = 0;
    int tex_h = 0;
};

std::unique_ptr<Fonts> build_fonts(float width, float height) {
    auto f = std::make_unique<Fonts>();
    f->sizes = ui::font_pixel_sizes(width, height, 96.0f);

    ImFontGlyphRangesBuilder builder;
    for (ImWchar c = 0x20; c < 0x7F; ++c)
        builder.AddChar(c);
    builder.AddChar(0x2026);
    builder.AddChar(0x00B7);
    for (const auto& t : all_texts())
        builder.AddText(t.c_str(), t.c_str() + t.size());
    builder.BuildRanges(&f->ranges);

    std::ifstream in(k_font_path, std::ios::binary);
    if (in) f->ttf.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (f->ttf.size() > 12) {
        f->noto = true;
        for (float px : f->sizes) {
            ImFontConfig cfg;
            cfg.FontDataOwnedByAtlas = false;
            cfg.OversampleH = 1; // as the kiosk builds it
            cfg.OversampleV = 1;
            cfg.PixelSnapH = true;
            if (!f->atlas.AddFontFromMemoryTTF(f->ttf.data(), static_cast<int>(f->ttf.size()), px,
                                               &cfg, f->ranges.Data)) {
                f->noto = false;
                break;
            }
        }
    }
    if (!f->noto) {
        f->atlas.Clear();
        for (float px : f->sizes) {
            ImFontConfig cfg;
            cfg.SizePixels = px;
            f->atlas.AddFontDefault(&cfg);
        }
    }
    unsigned char* pixels = nullptr;
    f->atlas.GetTexDataAsRGBA32(&pixels, &f->tex_w, &f->tex_h);
    if (!pixels) die("cannot build the font atlas");
    f->atlas.SetTexID(reinterpret_cast<ImTextureID>(static_cast<std::intptr_t>(1)));
    return f;
}

// --- One screen in its own context ---

struct Contender {
    Contender(std::string name_, std::function<void(int frame)> draw_)
        : name(std::move(name_)), draw(std::move(draw_)) {}

    std::string name;
    std::function<void(int frame)> draw;
    ImGuiContext* ctx = nullptr;
    std::vector<double> ms;
    int vertices = 0;
};

ImGuiContext* make_context(Fonts& fonts, float width, float height) {
    ImGuiContext* ctx = ImGui::CreateContext(&fonts.atlas);
    ImGui::SetCurrentContext(ctx);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.LogFilename = nullptr;
    io.DisplaySize = ImVec2(width, height);
    io.DeltaTime = 1.0f / 60.0f;
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    ui::apply_theme(false);
    return ctx;
}

void empty_frame() {
    const ImGuiIO& io = ImGui::GetIO();
    ImGui::SetNextWindowPos(ImVec2(0.0f, 0.0f));
    ImGui::SetNextWindowSize(io.DisplaySize);
    ImGui::Begin("empty", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                     ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoNav);
    ImGui::End();
}

// The software renderer's share: each contender's last draw data rendered
// `frames` times into an in-memory window of the display's size.
void raster(std::vector<Contender>& all, Fonts& fonts, int width, int height, int frames) {
    SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        std::printf("  software raster: skipped (%s)\n", SDL_GetError());
        return;
    }
    SDL_Window* window = SDL_CreateWindow("frame_bench", 0, 0, width, height, 0);
    SDL_Renderer* renderer = window ? SDL_CreateRenderer(window, -1, SDL_RENDERER_SOFTWARE) : nullptr;
    if (!renderer) {
        std::printf("  software raster: skipped (%s)\n", SDL_GetError());
        if (window) SDL_DestroyWindow(window);
        SDL_Quit();
        return;
    }
    const ImTextureID fake = fonts.atlas.TexID; // a stand-in, not a texture
    fonts.atlas.SetTexID(nullptr);
    if (!touchpoint::platform::create_font_texture(renderer, fonts.atlas)) die("cannot make the font texture");

    std::printf("  software raster (SDL, clear + draw, %d frames each):\n", frames);
    std::printf("  %-34s %9s %9s %9s\n", "screen", "p50 ms", "p99 ms", "x p50");
    double base = 0.0;
    for (auto& c : all) {
        ImGui::SetCurrentContext(c.ctx);
        ImGui::NewFrame();
        c.draw(0);
        ImGui::Render();
        const ImDrawData& data = *ImGui::GetDrawData();
        std::vector<double> ms;
        for (int i = 0; i < frames; ++i) {
            const double t0 = thread_cpu_ms();
            SDL_SetRenderDrawColor(renderer, 246, 247, 249, 255);
            SDL_RenderClear(renderer);
            touchpoint::platform::render_draw_data(renderer, data);
            SDL_RenderFlush(renderer); // SDL queues drawing until a present or flush
            ms.push_back(thread_cpu_ms() - t0);
        }
        const double p50 = percentile(ms, 0.5);
        if (&c == &all[0]) base = p50;
        std::printf("  %-34s %9.3f %9.3f %9.1f\n", c.name.c_str(), p50, percentile(ms, 0.99),
                    base > 0.0 ? p50 / base : 0.0);
    }
    touchpoint::platform::destroy_font_texture(fonts.atlas);
    fonts.atlas.SetTexID(fake);
    SDL_DestroyRenderer(renderer);
    SDL_DestroyWindow(window);
    SDL_Quit();
}

bool bench_size(int width, int height, int frames) {
    const float w = static_cast<float>(width);
    const float h = static_cast<float>(height);
    auto fonts = build_fonts(w, h);
    std::printf("\n%dx%d: font %s at", width, height,
                fonts->noto ? "Noto Sans" : "ImGui default (Noto Sans not found)");
    for (float px : fonts->sizes)
        std::printf(" %.0f", static_cast<double>(px));
    std::printf(" px, atlas %dx%d\n", fonts->tex_w, fonts->tex_h);

    const ui::ReasonsView reasons = reasons_view();
    const ui::MessageView message = message_view();
    const ui::CommentView comment = comment_view();
    std::vector<Contender> all;
    all.emplace_back("empty frame (baseline)", [](int) { empty_frame(); });
    const std::pair<Scale, const char*> scales[] = {{Scale::smiley4, "question smiley4"},
                                                    {Scale::smiley5, "question smiley5"},
                                                    {Scale::nps, "question nps (0-10)"},
                                                    {Scale::ces7, "question ces7"},
                                                    {Scale::thumbs, "question thumbs"}};
    for (const auto& [scale, name] : scales) {
        ui::QuestionView q = question_view(scale);
        all.emplace_back(name, [q](int) { ui::draw_question(q); });
    }
    {
        ui::QuestionView q = question_view(Scale::smiley5);
        q.look.large_text = true;
        q.look.high_contrast = true;
        all.emplace_back("question smiley5, large+contrast", [q](int) { ui::draw_question(q); });
    }
    all.emplace_back("reasons (6 chips)", [reasons](int) { ui::draw_reasons(reasons); });
    all.emplace_back("thank you (countdown)", [frames](int i) {
        ui::ThankYouView v = thank_you_view();
        v.remaining = 1.0f - static_cast<float>(i % frames) / static_cast<float>(frames);
        ui::draw_thank_you(v);
    });
    all.emplace_back("comment (keyboard)", [comment](int) { ui::draw_comment(comment); });
    all.emplace_back("message (closed)", [message](int) { ui::draw_message(message); });

    for (auto& c : all)
        c.ctx = make_context(*fonts, w, h);

    // The first frames of a context create its window and warm the caches.
    const int warmup = std::min(20, frames / 10 + 1);
    const std::size_t n = all.size();
    for (int i = 0; i < warmup + frames; ++i) {
        for (std::size_t k = 0; k < n; ++k) {
            Contender& c = all[(k + static_cast<std::size_t>(i)) % n];
            ImGui::SetCurrentContext(c.ctx);
            const double t0 = thread_cpu_ms();
            ImGui::NewFrame();
            c.draw(i);
            ImGui::Render();
            const double t = thread_cpu_ms() - t0;
            if (i >= warmup) c.ms.push_back(t);
            if (ImDrawData* dd = ImGui::GetDrawData()) c.vertices = dd->TotalVtxCount;
        }
    }

    const double b50 = percentile(all[0].ms, 0.5);
    const double b99 = percentile(all[0].ms, 0.99);
    bool met = true;
    std::printf("  %-34s %9s %9s %9s %9s %9s\n", "screen", "p50 ms", "p99 ms", "x p50", "x p99",
                "vertices");
    for (const auto& c : all) {
        const double p50 = percentile(c.ms, 0.5);
        const double p99 = percentile(c.ms, 0.99);
        std::printf("  %-34s %9.4f %9.4f %9.1f %9.1f %9d\n", c.name.c_str(), p50, p99, p50 / b50,
                    p99 / b99, c.vertices);
        if (&c != &all[0]) met = met && p99 < k_target_p99_ms;
    }
    std::printf("  (x = ratio to the empty frame; target p99 < %.1f ms per screen)\n",
                k_target_p99_ms);
    print_verdict(met);

    raster(all, *fonts, width, height, std::max(1, std::min(frames, 200)));

    for (auto& c : all)
        ImGui::DestroyContext(c.ctx);
    return met;
}

} // namespace

int main(int argc, char** argv) {
    set_program("frame_bench");
    int frames = 2000;
    parse_flags(argc, argv, {{"--frames", frames}}, "use --frames N");
    if (frames < 1) die("--frames must be positive");
    IMGUI_CHECKVERSION();

    timespec res{};
    clock_getres(CLOCK_THREAD_CPUTIME_ID, &res);
    const LoadAverages load = load_averages();
    std::printf("frame benchmark: thread CPU time per frame (NewFrame -> draw -> Render), "
                "headless Dear ImGui %s, no renderer\n",
                ImGui::GetVersion());
    std::printf("%d frames per screen, screens interleaved; clock resolution %ld ns; "
                "load average %.2f %.2f %.2f\n",
                frames, static_cast<long>(res.tv_nsec), load.one, load.five, load.fifteen);

    bool met = true;
    for (auto [w, h] : {std::pair<int, int>{1280, 800}, {1920, 1080}})
        met = bench_size(w, h, frames) && met;
    std::printf("\n%s\n", met ? "all targets met" : "some targets missed");
    return 0;
}
