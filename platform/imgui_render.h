#pragma once
// Dear ImGui's draw data drawn with SDL's 2D renderer (SDL_Renderer), which
// is SDL's software rasteriser on a kiosk without a GPU and OpenGL/GLES on one
// with a GPU. SDL 2.0.18 or later (SDL_RenderGeometryRaw).
//
// Contract: UI thread only, with the ImGui context current. The font texture
// is an SDL_Texture whose pointer is the atlas's TexID.
#include "imgui.h"

struct SDL_Renderer;

namespace touchpoint::platform {

// Uploads the atlas's pixels (building them if needed) as a texture of
// `renderer` and stores it as the atlas's TexID. False (TexID null) when the
// renderer cannot make the texture.
bool create_font_texture(SDL_Renderer* renderer, ImFontAtlas& atlas);
// Frees the texture create_font_texture() made, if any, and clears TexID.
void destroy_font_texture(ImFontAtlas& atlas);
// Draws a frame's draw data into the renderer's target (no clear, no
// present). One viewport: DisplayPos is (0, 0), the target's top-left corner.
void render_draw_data(SDL_Renderer* renderer, const ImDrawData& data);

} // namespace touchpoint::platform
