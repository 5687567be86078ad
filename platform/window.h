#pragma once
// The kiosk's one window: SDL2 window, OpenGL 3 or SDL's software renderer,
// Dear ImGui.
//
// Contract:
// - One Window per process, created and used on the UI thread only.
// - create() initialises SDL video, the renderer and the ImGui context
//   (imgui.ini disabled); the destructor undoes it all in reverse order.
// - Drawing: with a GPU (a DRM device node) or when asked for, an OpenGL 3.0
//   context and ImGui's OpenGL3 backend; otherwise, and when OpenGL fails,
//   SDL's software renderer through platform/imgui_render.h (no GL driver is
//   loaded: without a GPU that would be Mesa's llvmpipe and LLVM).
// - The frame loop is: wait_events() -> begin_frame() (the pointer for the
//   app) -> ui::draw_...() -> end_frame(). Render only when something changed: after wait_events()
//   returns true, draw frames until input_pending() is false and a couple more
//   so ImGui settles (a tap needs a press frame and a release frame).
// - Touch: one tap yields exactly one ImGui click. Finger events drive the
//   ImGui pointer; the mouse events SDL synthesises from touches are ignored
//   (see platform/pointer_input.h). A real mouse still works.
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "imgui.h"
#include "platform/pointer_input.h"

struct SDL_Renderer;
struct SDL_Window;

namespace touchpoint::platform {

enum class Renderer {
    automatic, // the GPU when the machine has one, else software
    software,  // SDL's software renderer
    gpu,       // OpenGL 3 (ImGui's OpenGL3 backend), else software
};

struct WindowOptions {
    int width = 0;          // 0: desktop size when fullscreen, else 1280
    int height = 0;         // 0: desktop size when fullscreen, else 800
    bool fullscreen = true; // borderless desktop fullscreen
    bool hide_cursor = true;
    std::string title = "Touchpoint";
    Renderer renderer = Renderer::automatic;
};

// Start-up in parallel: SDL's video subsystem can start before the window
// (while the caller reads its configuration on another thread), and the
// window's size and the display's DPI are known then, so the font atlas can
// be built on a thread while create() makes the window and renderer.

// Sets what the process environment must say before SDL starts (X input
// method settings; the video driver, below). Call first thing, before any
// other thread runs. `renderer` is what the command line asked for (the
// config file is read later).
void configure_environment(Renderer renderer = Renderer::automatic);

// The video drivers SDL should try, in order, for a kiosk under a Wayland
// compositor that also runs Xwayland (cage): SDL 2 tries X11 first, but with
// a GPU the kiosk draws with OpenGL, which goes to the compositor directly
// through SDL's Wayland driver, with no Xwayland in between. Without a GPU
// (or with the software renderer asked for) it draws with SDL's software
// renderer, which SDL 2 can show only through X11. "" when SDL's own order
// should stand: SDL_VIDEODRIVER is set, there is no Wayland display, no GPU,
// or software was asked for. Pure: the inputs are given.
std::string preferred_video_drivers(const char* sdl_videodriver, const char* wayland_display,
                                    bool gpu_present, Renderer renderer);
// Initialises SDL's video subsystem ahead of Window::create (which otherwise
// does it). UI thread only. False with a plain-words `error` on failure.
bool init_video(std::string& error);
// The drawable size create(options) will give, once init_video succeeded
// (desktop size for fullscreen).
std::pair<int, int> planned_size(const WindowOptions& options);
// The DPI of the first display from SDL; 96 when unknown or implausible.
float display_dpi();

// --- Checks before a start (`touchpoint-kiosk doctor`) ---

// What a start would find on this machine's display, with the current
// environment (DISPLAY, WAYLAND_DISPLAY, SDL_VIDEODRIVER). Starts SDL's video
// subsystem and ends it again; no window is shown. Call on the main thread
// with no Window alive.
struct DisplayCheck {
    bool found = false;   // a display the kiosk can open a window on
    std::string driver;   // SDL's video driver, e.g. "x11", "wayland", "KMSDRM"
    int width = 0;        // the desktop's size
    int height = 0;
    std::string renderer; // what it would draw with, in words
    std::string problem;  // when not found: why, with SDL's own words
};
DisplayCheck check_display(Renderer renderer);

// The font files load_fonts() reads: the first usable one of `latin`, in
// order, and `cjk` merged in when the texts need Chinese, Japanese or Korean.
struct FontFiles {
    std::vector<std::string> latin;
    std::string cjk;
};
FontFiles font_files();
// "" when load_fonts() would use the file at `path`; otherwise why not, in
// plain words ("not there", "not readable", "not a TrueType or OpenType font").
std::string font_file_problem(const std::string& path);

// Builds a font atlas (see Window::load_fonts for what it holds) on its own
// thread, into an atlas no ImGui context uses yet; Window::adopt_fonts() takes
// it over.
class FontAtlasJob {
public:
    FontAtlasJob(std::vector<float> pixel_sizes, std::vector<std::string> utf8_texts);
    ~FontAtlasJob();
    FontAtlasJob(const FontAtlasJob&) = delete;
    FontAtlasJob& operator=(const FontAtlasJob&) = delete;
    const std::vector<float>& sizes() const { return m_sizes; }
    const std::vector<std::string>& texts() const { return m_texts; }

private:
    friend class Window;
    void wait();

    std::vector<float> m_sizes;
    std::vector<std::string> m_texts;
    ImFontAtlas* m_atlas = nullptr; // owned until adopted
    std::vector<ImWchar> m_ranges;
    bool m_built = false;
    std::thread m_thread;
};

// Feeds ImGui's IO the pointer of one frame (position or none, the left
// button); every other button is up. Needs only an ImGui context.
void set_imgui_pointer(const PointerFrame& pointer);

// Ends an ImGui frame whose drawing stopped half-way (an exception between
// NewFrame and Render): the windows, groups, IDs and style pushes left open
// are closed and the frame ends without being drawn, so the next frame starts
// clean instead of failing ImGui's checks. Needs only an ImGui context.
void end_interrupted_frame();

class Window {
public:
    // Returns nullptr and sets `error` to a plain-words reason on failure,
    // e.g. "cannot open a window: ... (is DISPLAY set?)".
    static std::unique_ptr<Window> create(const WindowOptions& options, std::string& error);
    ~Window();
    Window(const Window&) = delete;
    Window& operator=(const Window&) = delete;

    // Waits up to timeout_ms for the first event (0 = poll, no wait;
    // negative = wait without limit), then
    // drains every pending event. Returns true if any event arrived.
    bool wait_events(int timeout_ms);
    // SDL_QUIT (also SIGTERM / SIGINT) or the window's close button was seen.
    bool quit_requested() const { return m_quit; }
    // Whether the window is an X11 window shown by a Wayland compositor
    // through Xwayland (the kiosk under cage without a GPU).
    bool through_xwayland() const;
    // Whether a window event (shown, exposed, resized, focus) arrived since
    // the last call; clears the mark.
    bool take_window_changed() {
        const bool changed = m_window_changed;
        m_window_changed = false;
        return changed;
    }
    // A touch/click transition is waiting for the next frame(s).
    bool input_pending() const { return m_pointer.pending(); }
    // Milliseconds since SDL_Init (monotonic), for the caller's timers.
    static unsigned ticks_ms();

    // Starts an ImGui frame with the filtered pointer (ImGui's SDL backend
    // does not see pointer events) and returns that pointer: the app's
    // input for this frame, so it never reads ImGui's IO back.
    PointerFrame begin_frame();
    // Renders ImGui's draw data and swaps buffers.
    void end_frame();
    // Instead of end_frame() when drawing stopped half-way (an exception):
    // see end_interrupted_frame(). Nothing is presented.
    void abandon_frame();

    // The renderer in use, in words ("SDL's software renderer", "OpenGL 3
    // (<the GL driver's name>)"), and why it is not the one asked for ("" when
    // it is).
    const std::string& renderer_name() const { return m_renderer_name; }
    const std::string& renderer_note() const { return m_renderer_note; }

    // Drawable size in pixels (what ImGui lays out into).
    std::pair<int, int> size() const;
    // Display DPI from SDL; 96 when unknown or implausible.
    float dpi() const;

    // Idle dim: lowers the display's brightness (SDL window gamma) where the
    // platform allows, restores it with false. Returns false when brightness
    // cannot be changed here (e.g. Xvfb, some Wayland compositors): the UI's
    // dark overlay (ui::Look::dimmed) still shows the dim. The destructor
    // restores full brightness.
    bool set_dimmed(bool dimmed);
    bool dimmed() const { return m_dimmed; }

    // Re-renders the last frame's draw data into the back buffer and writes it
    // as a PNG (top row first). Call after end_frame(). False on any failure.
    bool save_screenshot(const std::string& png_path);

    // Rebuilds the font atlas: one font per pixel size (in the given order;
    // ImGui's default font is the first). Noto Sans, falling back to DejaVu
    // Sans, finally ImGui's built-in font; WenQuanYi Micro Hei is merged for
    // CJK when the texts need it. Glyphs = printable ASCII + the characters
    // of `utf8_texts`. Call between frames. Returns false if only the
    // built-in font could be used. Never throws or aborts on missing fonts.
    bool load_fonts(const std::vector<float>& pixel_sizes, const std::vector<std::string>& utf8_texts);
    // The same with an atlas a FontAtlasJob built: waits for the job, makes
    // its atlas ImGui's (the old one is freed) and uploads it. Call before
    // the first frame or between frames. Returns false if only the built-in
    // font could be used.
    bool adopt_fonts(FontAtlasJob& job);

private:
    Window() = default;
    void upload_fonts(); // the atlas to a texture, then drops ImGui's pixels
    // Makes the window with a current GL 3.0 context; "" on success, else
    // why not (and neither is left behind).
    std::string open_gl_window(const std::string& title, int width, int height, unsigned flags);
    void draw(const ImDrawData& data);

    SDL_Window* m_window = nullptr;
    void* m_gl_context = nullptr;       // OpenGL 3, or
    SDL_Renderer* m_renderer = nullptr; // SDL's software renderer
    std::string m_renderer_name;
    std::string m_renderer_note;
    bool m_sdl_ready = false;
    bool m_imgui_ready = false;
    bool m_sdl_backend_ready = false;
    bool m_gl_backend_ready = false;
    bool m_quit = false;
    bool m_window_changed = false;
    bool m_dimmed = false;
    PointerInput m_pointer;
    std::vector<ImWchar> m_glyph_ranges; // must outlive the atlas build
};

} // namespace touchpoint::platform
