#include "platform/window.h"
#include "platform/imgui_render.h"
#include "platform/sdl_pointer.h"

#include <SDL.h>
#include <SDL_opengl.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cfloat>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <malloc.h>

#include "backends/imgui_impl_opengl3.h"
#include "backends/imgui_impl_sdl.h"
#include "imgui_internal.h" // ErrorCheckEndFrameRecover

namespace touchpoint::platform {

namespace {

const char* const k_latin_fonts[] = {
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
};
const char* const k_cjk_font = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc";

// A font file mapped read-only: the atlas build reads the bytes straight from
// the page cache (a CJK collection is megabytes; copying it would mean a page
// fault per 4 KiB). Empty when the file is missing or does not look like
// TrueType/OpenType, so ImGui's loader (which asserts on bad data) only ever
// sees plausible fonts.
class FontFile {
public:
    explicit FontFile(const char* path) {
        const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            m_problem = errno == ENOENT ? "not there" : std::string("not readable (") + std::strerror(errno) + ")";
            return;
        }
        struct stat st {};
        if (::fstat(fd, &st) == 0 && st.st_size >= 12 && st.st_size < (64L << 20)) {
            void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
            if (p != MAP_FAILED) {
                m_data = p;
                m_size = static_cast<size_t>(st.st_size);
            } else {
                m_problem = std::string("not readable (") + std::strerror(errno) + ")";
            }
        } else {
            m_problem = "not a font of a plausible size";
        }
        ::close(fd);
        if (m_data && !looks_like_font()) {
            ::munmap(m_data, m_size);
            m_data = nullptr;
            m_problem = "not a TrueType or OpenType font";
        }
    }
    ~FontFile() {
        if (m_data)
            ::munmap(m_data, m_size);
    }
    FontFile(const FontFile&) = delete;
    FontFile& operator=(const FontFile&) = delete;

    // ImGui takes non-const data but only reads it when the atlas does not own it.
    void* data() const { return m_data; }
    int size() const { return static_cast<int>(m_size); }
    // Why data() is null, in plain words ("" when it is not).
    const std::string& problem() const { return m_problem; }

private:
    bool looks_like_font() const {
        const unsigned char* b = static_cast<const unsigned char*>(m_data);
        return (b[0] == 0 && b[1] == 1 && b[2] == 0 && b[3] == 0) || std::memcmp(b, "true", 4) == 0 ||
               std::memcmp(b, "OTTO", 4) == 0 || std::memcmp(b, "ttcf", 4) == 0;
    }

    void* m_data = nullptr;
    size_t m_size = 0;
    std::string m_problem;
};

// True if any text holds a character from the CJK blocks (U+2E80 and up),
// which only the merged CJK font can draw.
bool needs_cjk(const std::vector<std::string>& texts) {
    for (const auto& t : texts) {
        for (size_t i = 0; i < t.size(); ++i) {
            const unsigned char c = static_cast<unsigned char>(t[i]);
            // Three-byte sequences from E2 BA 80 (U+2E80) on, and all four-byte ones.
            if (c >= 0xF0)
                return true;
            if (c >= 0xE3)
                return true;
            if (c == 0xE2 && i + 1 < t.size() && static_cast<unsigned char>(t[i + 1]) >= 0xBA)
                return true;
        }
    }
    return false;
}

// A GPU the kiosk can draw with: a DRM device node. Without one, OpenGL
// would be Mesa's software rasteriser, which costs more to load than SDL's
// own software renderer costs to draw.
bool gpu_device_present() {
    DIR* dir = ::opendir("/dev/dri");
    if (!dir)
        return false;
    bool found = false;
    while (const dirent* e = ::readdir(dir)) {
        if (std::strncmp(e->d_name, "renderD", 7) == 0 || std::strncmp(e->d_name, "card", 4) == 0) {
            found = true;
            break;
        }
    }
    ::closedir(dir);
    return found;
}

// SDL found no display and fell back to drawing off screen (a kiosk nobody
// can see), without being asked for that driver by name (SDL_VIDEODRIVER).
bool fell_back_off_screen() {
    const char* driver = SDL_GetCurrentVideoDriver();
    const char* asked = SDL_getenv("SDL_VIDEODRIVER");
    return driver && (std::strcmp(driver, "offscreen") == 0 || std::strcmp(driver, "dummy") == 0) &&
           !(asked && *asked);
}

bool is_pointer_event(Uint32 type) {
    return type == SDL_MOUSEMOTION || type == SDL_MOUSEBUTTONDOWN || type == SDL_MOUSEBUTTONUP ||
           type == SDL_FINGERDOWN || type == SDL_FINGERUP || type == SDL_FINGERMOTION || type == SDL_MOUSEWHEEL;
}

} // namespace

namespace {
// Set when configure_environment put Wayland first: a window that ends up
// drawing in software then goes back to X11 (Window::create).
bool g_wayland_preferred = false;
} // namespace

std::string preferred_video_drivers(const char* sdl_videodriver, const char* wayland_display,
                                    bool gpu_present, Renderer renderer) {
    if (sdl_videodriver && *sdl_videodriver) return "";
    if (!wayland_display || !*wayland_display) return "";
    if (renderer == Renderer::software) return "";
    if (renderer == Renderer::automatic && !gpu_present) return "";
    return "wayland,x11";
}

void configure_environment(Renderer renderer) {
    const std::string drivers = preferred_video_drivers(
        std::getenv("SDL_VIDEODRIVER"), std::getenv("WAYLAND_DISPLAY"), gpu_device_present(), renderer);
    if (!drivers.empty()) {
        setenv("SDL_VIDEODRIVER", drivers.c_str(), 1);
        g_wayland_preferred = true;
    }
    // The kiosk takes text from its own on-screen keyboard, so X's compose
    // table is of no use to it; left to the locale's default, libX11 parses
    // its Compose file (thousands of lines, character by character) when SDL
    // opens the input method: a tenth of the time to the first frame.
    // A compose file set in the environment is kept.
    setenv("XCOMPOSEFILE", "/dev/null", 0);
}

bool init_video(std::string& error) {
    // SDL counts initialisations; Window's destructor ends them all (SDL_Quit).
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER | SDL_INIT_EVENTS) != 0) {
        error = std::string("cannot open a window: ") + SDL_GetError() + " (is DISPLAY set?)";
        return false;
    }
    // With no display at all SDL falls back to drawing off screen: a kiosk
    // nobody can see. Only when asked for by name (SDL_VIDEODRIVER).
    if (fell_back_off_screen()) {
        SDL_Quit();
        error = "cannot open a window: no display was found (set DISPLAY for X11 or "
                "WAYLAND_DISPLAY for Wayland, or start it on a console with KMS)";
        return false;
    }
    return true;
}

std::pair<int, int> planned_size(const WindowOptions& options) {
    int width = options.width;
    int height = options.height;
    if (!options.fullscreen) {
        if (width <= 0)
            width = 1280;
        if (height <= 0)
            height = 800;
    }
    // Borderless desktop fullscreen covers the whole desktop, whatever size
    // is asked for.
    if (options.fullscreen || width <= 0 || height <= 0) {
        SDL_DisplayMode mode;
        if (SDL_GetDesktopDisplayMode(0, &mode) == 0) {
            width = mode.w;
            height = mode.h;
        } else {
            width = 1280;
            height = 800;
        }
    }
    return {width, height};
}

namespace {
float sane_dpi(int display) {
    float ddpi = 0.0f, hdpi = 0.0f, vdpi = 0.0f;
    if (display < 0 || SDL_GetDisplayDPI(display, &ddpi, &hdpi, &vdpi) != 0)
        return 96.0f;
    const float d = (hdpi > 0.0f && vdpi > 0.0f) ? (hdpi + vdpi) * 0.5f : ddpi;
    // Some drivers report nonsense (0, or a TV's physical size); keep sane.
    if (!(d >= 50.0f && d <= 600.0f))
        return 96.0f;
    return d;
}
} // namespace

float display_dpi() { return sane_dpi(0); }

namespace {
// The context Window::create asks for: GL 3.0 + GLSL 130, as in ImGui's
// SDL2/OpenGL3 example (Mesa and real drivers all provide it).
void request_gl3_context() {
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_FLAGS, 0);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_PROFILE_MASK, SDL_GL_CONTEXT_PROFILE_CORE);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MAJOR_VERSION, 3);
    SDL_GL_SetAttribute(SDL_GL_CONTEXT_MINOR_VERSION, 0);
    SDL_GL_SetAttribute(SDL_GL_DOUBLEBUFFER, 1);
    SDL_GL_SetAttribute(SDL_GL_DEPTH_SIZE, 0);
    SDL_GL_SetAttribute(SDL_GL_STENCIL_SIZE, 0);
}
} // namespace

DisplayCheck check_display(Renderer renderer) {
    DisplayCheck c;
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        c.problem = std::string("no display or screen found (SDL: ") + SDL_GetError() + ")";
        return c;
    }
    struct VideoEnd {
        ~VideoEnd() { SDL_Quit(); }
    } video_end;
    const char* driver = SDL_GetCurrentVideoDriver();
    c.driver = driver ? driver : "";
    if (fell_back_off_screen()) {
        c.problem = "no display or screen found (SDL fell back to its " + c.driver +
                    " driver, which shows nothing)";
        return c;
    }
    SDL_DisplayMode mode;
    if (SDL_GetNumVideoDisplays() < 1 || SDL_GetDesktopDisplayMode(0, &mode) != 0) {
        c.problem = "no display or screen found (SDL's " + c.driver + " driver: " + SDL_GetError() + ")";
        return c;
    }
    c.found = true;
    c.width = mode.w;
    c.height = mode.h;

    // The same choice as Window::create, and for OpenGL the driver's name
    // from a context made in a hidden window.
    if (renderer == Renderer::software) {
        c.renderer = "SDL's software renderer (renderer = software)";
        return c;
    }
    if (renderer == Renderer::automatic && !gpu_device_present()) {
        c.renderer = "SDL's software renderer (no GPU device in /dev/dri)";
        return c;
    }
    request_gl3_context();
    SDL_Window* window = SDL_CreateWindow("Touchpoint display check", SDL_WINDOWPOS_UNDEFINED,
                                          SDL_WINDOWPOS_UNDEFINED, 64, 64, SDL_WINDOW_OPENGL | SDL_WINDOW_HIDDEN);
    SDL_GLContext context = window ? SDL_GL_CreateContext(window) : nullptr;
    if (context && SDL_GL_MakeCurrent(window, context) == 0) {
        const auto* name = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
        c.renderer = std::string("OpenGL 3 (") + (name ? name : "unknown") + ")";
    } else {
        c.renderer = std::string("SDL's software renderer (no OpenGL 3: ") + SDL_GetError() + ")";
    }
    if (context)
        SDL_GL_DeleteContext(context);
    if (window)
        SDL_DestroyWindow(window);
    return c;
}

FontFiles font_files() {
    FontFiles f;
    for (const char* path : k_latin_fonts)
        f.latin.emplace_back(path);
    f.cjk = k_cjk_font;
    return f;
}

std::string font_file_problem(const std::string& path) { return FontFile(path.c_str()).problem(); }

std::unique_ptr<Window> Window::create(const WindowOptions& options, std::string& error) {
    std::unique_ptr<Window> w(new Window());

    if (!init_video(error))
        return nullptr;
    w->m_sdl_ready = true;

    const bool try_gpu = options.renderer == Renderer::gpu ||
                         (options.renderer == Renderer::automatic && gpu_device_present());
    const auto [width, height] = planned_size(options);
    // SDL keeps the screen saver off by default: the kiosk dims the display
    // itself, by its own policy.
    Uint32 flags = SDL_WINDOW_SHOWN;
    if (options.fullscreen)
        flags |= SDL_WINDOW_FULLSCREEN_DESKTOP;
    if (try_gpu) {
        if (const std::string why = w->open_gl_window(options.title, width, height, flags); !why.empty())
            w->m_renderer_note = "no OpenGL 3 (" + why + "), drawing in software";
    }
    if (!w->m_gl_context && g_wayland_preferred) {
        // Drawing in software after all (the config asked for it, or OpenGL
        // failed): SDL 2 shows software frames only through X11.
        const char* driver = SDL_GetCurrentVideoDriver();
        if (driver && std::strcmp(driver, "wayland") == 0) {
            SDL_QuitSubSystem(SDL_INIT_VIDEO);
            setenv("SDL_VIDEODRIVER", "x11", 1);
            g_wayland_preferred = false;
            if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
                error = std::string("cannot open a window: ") + SDL_GetError() +
                        " (drawing in software needs Xwayland under a Wayland compositor)";
                return nullptr;
            }
        }
    }
    if (!w->m_gl_context) {
        // SDL would otherwise back even a software window with an OpenGL
        // texture, loading a GL driver (on a machine without a GPU, a whole
        // compiler: Mesa's llvmpipe) for nothing.
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
        w->m_window = SDL_CreateWindow(options.title.c_str(), SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED,
                                       width, height, flags);
        if (!w->m_window) {
            error = std::string("cannot open a window: ") + SDL_GetError() + " (is DISPLAY set?)";
            return nullptr;
        }
        w->m_renderer = SDL_CreateRenderer(w->m_window, -1, SDL_RENDERER_SOFTWARE);
        if (!w->m_renderer) {
            error = std::string("cannot draw in the window: ") + SDL_GetError();
            return nullptr;
        }
        w->m_renderer_name = "SDL's software renderer";
    }
    if (options.hide_cursor)
        SDL_ShowCursor(SDL_DISABLE);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    w->m_imgui_ready = true;
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    io.LogFilename = nullptr;
    io.ConfigFlags |= ImGuiConfigFlags_NoMouseCursorChange;

    const bool sdl_backend = w->m_gl_context ? ImGui_ImplSDL2_InitForOpenGL(w->m_window, w->m_gl_context)
                                             : ImGui_ImplSDL2_InitForSDLRenderer(w->m_window);
    if (!sdl_backend) {
        error = "cannot initialise ImGui's SDL2 backend";
        return nullptr;
    }
    w->m_sdl_backend_ready = true;
    if (w->m_gl_context) {
        if (!ImGui_ImplOpenGL3_Init("#version 130")) {
            error = "cannot initialise ImGui's OpenGL3 backend";
            return nullptr;
        }
        w->m_gl_backend_ready = true;
        // Create the device objects now, so load_fonts() can replace the font
        // texture without the first NewFrame creating a second one.
        if (!ImGui_ImplOpenGL3_CreateDeviceObjects()) {
            error = "cannot create OpenGL objects for ImGui (shaders or font texture)";
            return nullptr;
        }
    } else {
        io.BackendRendererName = "touchpoint_sdl_renderer";
        // The renderer takes 32-bit vertex offsets per draw command.
        io.BackendFlags |= ImGuiBackendFlags_RendererHasVtxOffset;
    }
    return w;
}

std::string Window::open_gl_window(const std::string& title, int width, int height, unsigned flags) {
    request_gl3_context();
    m_window = SDL_CreateWindow(title.c_str(), SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, width, height,
                                flags | SDL_WINDOW_OPENGL);
    if (!m_window)
        return SDL_GetError();
    m_gl_context = SDL_GL_CreateContext(m_window);
    if (!m_gl_context || SDL_GL_MakeCurrent(m_window, m_gl_context) != 0) {
        const std::string why = SDL_GetError();
        if (m_gl_context)
            SDL_GL_DeleteContext(static_cast<SDL_GLContext>(m_gl_context));
        m_gl_context = nullptr;
        SDL_DestroyWindow(m_window);
        m_window = nullptr;
        return why;
    }
    SDL_GL_SetSwapInterval(1); // vsync; failure is harmless
    const auto* name = reinterpret_cast<const char*>(glGetString(GL_RENDERER));
    m_renderer_name = std::string("OpenGL 3 (") + (name ? name : "unknown") + ")";
    return {};
}

Window::~Window() {
    if (m_dimmed)
        set_dimmed(false);
    if (m_gl_backend_ready)
        ImGui_ImplOpenGL3_Shutdown();
    else if (m_imgui_ready)
        destroy_font_texture(*ImGui::GetIO().Fonts);
    if (m_sdl_backend_ready)
        ImGui_ImplSDL2_Shutdown();
    if (m_imgui_ready)
        ImGui::DestroyContext();
    if (m_renderer)
        SDL_DestroyRenderer(m_renderer);
    if (m_gl_context)
        SDL_GL_DeleteContext(static_cast<SDL_GLContext>(m_gl_context));
    if (m_window)
        SDL_DestroyWindow(m_window);
    if (m_sdl_ready)
        SDL_Quit();
}

unsigned Window::ticks_ms() { return SDL_GetTicks(); }

bool Window::set_dimmed(bool dimmed) {
    if (!m_window)
        return false;
    m_dimmed = dimmed;
    // 0.35: dark enough to save power and draw no attention, bright enough
    // that the question stays readable to someone walking up.
    return SDL_SetWindowBrightness(m_window, dimmed ? 0.35f : 1.0f) == 0;
}

bool Window::through_xwayland() const {
    const char* driver = SDL_GetCurrentVideoDriver();
    const char* wayland = std::getenv("WAYLAND_DISPLAY");
    return driver && std::strcmp(driver, "x11") == 0 && wayland && *wayland;
}

bool Window::wait_events(int timeout_ms) {
    SDL_Event ev;
    bool got = false;
    if (timeout_ms > 0)
        got = SDL_WaitEventTimeout(&ev, timeout_ms) == 1;
    else if (timeout_ms == 0)
        got = SDL_PollEvent(&ev) == 1;
    else
        got = SDL_WaitEvent(&ev) == 1;
    if (!got)
        return false;
    do {
        if (ev.type == SDL_QUIT)
            m_quit = true;
        if (ev.type == SDL_WINDOWEVENT)
            m_window_changed = true;
        if (ev.type == SDL_WINDOWEVENT && ev.window.event == SDL_WINDOWEVENT_CLOSE &&
            ev.window.windowID == SDL_GetWindowID(m_window))
            m_quit = true;
        PointerEvent pe;
        int ww = 0, wh = 0;
        SDL_GetWindowSize(m_window, &ww, &wh);
        if (to_pointer_event(ev, ww, wh, pe))
            m_pointer.feed(pe);
        // The pointer is ours (begin_frame writes it); keyboard, text and
        // window events go to ImGui's backend.
        if (!is_pointer_event(ev.type))
            ImGui_ImplSDL2_ProcessEvent(&ev);
    } while (SDL_PollEvent(&ev) == 1);
    return true;
}

void set_imgui_pointer(const PointerFrame& f) {
    ImGuiIO& io = ImGui::GetIO();
    io.MousePos = f.has_position ? ImVec2(f.x, f.y) : ImVec2(-FLT_MAX, -FLT_MAX);
    for (bool& down : io.MouseDown)
        down = false;
    io.MouseDown[0] = f.down;
}

PointerFrame Window::begin_frame() {
    ImGuiIO& io = ImGui::GetIO();
    if (m_gl_backend_ready)
        ImGui_ImplOpenGL3_NewFrame();
    else if (!io.Fonts->TexID)
        upload_fonts(); // no fonts loaded yet: ImGui's own
    ImGui_ImplSDL2_NewFrame();
    // The SDL backend polls the OS pointer (which also follows touches and
    // starts at the screen centre); override it with the filtered pointer.
    const PointerFrame f = m_pointer.next_frame();
    set_imgui_pointer(f);
    ImGui::NewFrame();
    return f;
}

// Clears the back buffer to the theme's background and draws `data` into it.
void Window::draw(const ImDrawData& data) {
    const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
    if (m_gl_context) {
        const auto [w, h] = size();
        glViewport(0, 0, w, h);
        glClearColor(bg.x, bg.y, bg.z, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(const_cast<ImDrawData*>(&data));
        return;
    }
    auto byte = [](float v) { return static_cast<Uint8>(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f); };
    SDL_SetRenderDrawBlendMode(m_renderer, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(m_renderer, byte(bg.x), byte(bg.y), byte(bg.z), 255);
    SDL_RenderClear(m_renderer);
    render_draw_data(m_renderer, data);
}

void Window::end_frame() {
    ImGui::Render();
    draw(*ImGui::GetDrawData());
    if (m_gl_context)
        SDL_GL_SwapWindow(m_window);
    else
        SDL_RenderPresent(m_renderer);
}

void end_interrupted_frame() {
    ImGui::ErrorCheckEndFrameRecover(nullptr);
    ImGui::EndFrame();
}

void Window::abandon_frame() { end_interrupted_frame(); }

std::pair<int, int> Window::size() const {
    int w = 0, h = 0;
    if (m_gl_context)
        SDL_GL_GetDrawableSize(m_window, &w, &h);
    else if (SDL_GetRendererOutputSize(m_renderer, &w, &h) != 0)
        SDL_GetWindowSize(m_window, &w, &h);
    return {w, h};
}

float Window::dpi() const { return sane_dpi(SDL_GetWindowDisplayIndex(m_window)); }

bool Window::save_screenshot(const std::string& png_path) {
    ImDrawData* data = ImGui::GetDrawData();
    if (!data || !data->Valid)
        return false;
    const auto [w, h] = size();
    if (w <= 0 || h <= 0)
        return false;
    draw(*data);
    const size_t stride = static_cast<size_t>(w) * 4;
    std::vector<unsigned char> pixels(stride * static_cast<size_t>(h));
    if (m_gl_context) {
        glFinish();
        std::vector<unsigned char> bottom_up(pixels.size());
        glPixelStorei(GL_PACK_ALIGNMENT, 1);
        glReadBuffer(GL_BACK);
        glReadPixels(0, 0, w, h, GL_RGBA, GL_UNSIGNED_BYTE, bottom_up.data());
        if (glGetError() != GL_NO_ERROR)
            return false;
        // GL's first row is the bottom one; PNG's is the top one.
        for (int y = 0; y < h; ++y)
            std::memcpy(&pixels[static_cast<size_t>(y) * stride],
                        &bottom_up[static_cast<size_t>(h - 1 - y) * stride], stride);
    } else if (SDL_RenderReadPixels(m_renderer, nullptr, SDL_PIXELFORMAT_RGBA32, pixels.data(),
                                    static_cast<int>(stride)) != 0) {
        return false;
    }
    for (size_t i = 3; i < pixels.size(); i += 4)
        pixels[i] = 255; // opaque, whatever the target's alpha holds
    return stbi_write_png(png_path.c_str(), w, h, 4, pixels.data(), static_cast<int>(stride)) != 0;
}

namespace {

// Fills `atlas` (cleared first) and builds it; `glyph_ranges` receives the
// ranges, which must outlive the build. Uses no ImGui context, so it may run
// on another thread while no context uses this atlas. (ImGui's allocator,
// which it calls, only bumps a statistics counter of the current context.)
bool build_font_atlas(ImFontAtlas& atlas, const std::vector<float>& pixel_sizes,
                      const std::vector<std::string>& utf8_texts, std::vector<ImWchar>& glyph_ranges) {
    atlas.Clear();

    // Glyphs: printable ASCII plus whatever the screens will actually show.
    ImFontGlyphRangesBuilder builder;
    for (ImWchar c = 0x20; c < 0x7F; ++c)
        builder.AddChar(c);
    builder.AddChar(0x2026); // ellipsis, used when a label is cut short
    builder.AddChar(0x00B7); // middle dot
    for (const auto& t : utf8_texts)
        builder.AddText(t.c_str(), t.c_str() + t.size());
    ImVector<ImWchar> ranges;
    builder.BuildRanges(&ranges);
    glyph_ranges.assign(ranges.begin(), ranges.end());

    const bool cjk = needs_cjk(utf8_texts);
    bool any_file_font = false;
    // Each font file is mapped once and shared by every size; the atlas only
    // borrows the bytes (FontDataOwnedByAtlas = false) until it is built.
    std::unique_ptr<FontFile> latin;
    for (const char* path : k_latin_fonts) {
        latin = std::make_unique<FontFile>(path);
        if (latin->data())
            break;
    }
    std::unique_ptr<FontFile> cjk_file;
    if (cjk)
        cjk_file = std::make_unique<FontFile>(k_cjk_font);
    for (float px : pixel_sizes) {
        if (px <= 0.0f || !latin->data())
            continue;
        // Glyphs at pixel positions, one texel per pixel: text is copied to
        // the screen 1:1 (SDL's software renderer blits it; oversampled
        // glyphs would be scaled down by sampling and lose strokes).
        ImFontConfig cfg;
        cfg.FontDataOwnedByAtlas = false;
        cfg.OversampleH = 1;
        cfg.OversampleV = 1;
        cfg.PixelSnapH = true;
        if (!atlas.AddFontFromMemoryTTF(latin->data(), latin->size(), px, &cfg, glyph_ranges.data()))
            continue;
        any_file_font = true;
        if (cjk_file && cjk_file->data()) {
            ImFontConfig merge;
            merge.MergeMode = true;
            merge.FontDataOwnedByAtlas = false;
            merge.OversampleH = 1;
            merge.OversampleV = 1;
            merge.FontNo = 0;
            atlas.AddFontFromMemoryTTF(cjk_file->data(), cjk_file->size(), px, &merge, glyph_ranges.data());
        }
    }

    bool built = any_file_font && atlas.Build();
    if (!built) {
        atlas.Clear();
        atlas.AddFontDefault();
        atlas.Build();
    }
    // The font files are unmapped with `latin` and `cjk_file`: drop the
    // atlas's pointers to them, so nothing can read them again.
    atlas.ClearInputData();
    return built;
}

} // namespace

bool Window::load_fonts(const std::vector<float>& pixel_sizes, const std::vector<std::string>& utf8_texts) {
    const bool built = build_font_atlas(*ImGui::GetIO().Fonts, pixel_sizes, utf8_texts, m_glyph_ranges);
    upload_fonts();
    return built;
}

bool Window::adopt_fonts(FontAtlasJob& job) {
    job.wait();
    ImGuiIO& io = ImGui::GetIO();
    if (job.m_atlas) {
        // No frame is under way (the caller's contract), so nothing points
        // into the old atlas's fonts.
        ImFontAtlas* old = io.Fonts;
        io.Fonts = job.m_atlas;
        job.m_atlas = nullptr;
        if (!m_gl_context)
            destroy_font_texture(*old); // the GL backend keeps its own texture
        IM_DELETE(old);
        m_glyph_ranges = std::move(job.m_ranges);
    }
    upload_fonts();
    return job.m_built;
}

void Window::upload_fonts() {
    ImFontAtlas& atlas = *ImGui::GetIO().Fonts;
    bool uploaded = false;
    if (m_gl_backend_ready) {
        ImGui_ImplOpenGL3_DestroyFontsTexture();
        uploaded = ImGui_ImplOpenGL3_CreateFontsTexture();
    } else if (m_renderer) {
        uploaded = create_font_texture(m_renderer, atlas);
    }
    if (uploaded) {
        // The renderer holds the pixels now: drop ImGui's copy (the glyph
        // tables stay).
        atlas.ClearTexData();
    }
    // Building the atlas allocates (and frees) tens of megabytes; hand the
    // freed pages back so an idle kiosk stays small.
    malloc_trim(0);
}

FontAtlasJob::FontAtlasJob(std::vector<float> pixel_sizes, std::vector<std::string> utf8_texts)
    : m_sizes(std::move(pixel_sizes)), m_texts(std::move(utf8_texts)), m_atlas(IM_NEW(ImFontAtlas)()) {
    m_thread = std::thread([this] { m_built = build_font_atlas(*m_atlas, m_sizes, m_texts, m_ranges); });
}

FontAtlasJob::~FontAtlasJob() {
    wait();
    if (m_atlas)
        IM_DELETE(m_atlas);
}

void FontAtlasJob::wait() {
    if (m_thread.joinable())
        m_thread.join();
}

} // namespace touchpoint::platform
