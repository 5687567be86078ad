// Which video driver the kiosk asks SDL for under a Wayland compositor.
#include "platform/window.h"

#include <catch2/catch.hpp>

using touchpoint::platform::preferred_video_drivers;
using touchpoint::platform::Renderer;

TEST_CASE("video driver: with a GPU under Wayland, OpenGL goes through SDL's Wayland driver",
          "[platform][video]") {
    CHECK(preferred_video_drivers(nullptr, "wayland-0", true, Renderer::automatic) ==
          "wayland,x11");
    CHECK(preferred_video_drivers("", "wayland-0", true, Renderer::automatic) == "wayland,x11");
    // OpenGL asked for by name: Wayland too, even where no GPU device shows.
    CHECK(preferred_video_drivers(nullptr, "wayland-0", false, Renderer::gpu) == "wayland,x11");
}

TEST_CASE("video driver: software, no GPU, no Wayland or a driver named: SDL's own order",
          "[platform][video]") {
    // Without a GPU the kiosk draws in software: SDL 2 shows that only
    // through X11 (Xwayland under cage).
    CHECK(preferred_video_drivers(nullptr, "wayland-0", false, Renderer::automatic).empty());
    CHECK(preferred_video_drivers(nullptr, "wayland-0", true, Renderer::software).empty());
    // No Wayland display: X11 (Xvfb, an X desktop) or KMS.
    CHECK(preferred_video_drivers(nullptr, nullptr, true, Renderer::automatic).empty());
    CHECK(preferred_video_drivers(nullptr, "", true, Renderer::gpu).empty());
    // The environment's own choice wins.
    CHECK(preferred_video_drivers("x11", "wayland-0", true, Renderer::gpu).empty());
}
