#include "platform/imgui_render.h"

#include <SDL.h>

#include <cstddef>

namespace touchpoint::platform {

// ImGui packs a colour as R, G, B, A bytes in memory on little-endian
// machines (IM_COL32), which is SDL_Color's layout: vertex colours are handed
// to SDL as they are.
static_assert(SDL_BYTEORDER == SDL_LIL_ENDIAN, "ImGui vertex colours are passed to SDL as SDL_Color");
static_assert(sizeof(SDL_Color) == sizeof(ImU32), "SDL_Color is four bytes");

bool create_font_texture(SDL_Renderer* renderer, ImFontAtlas& atlas) {
    destroy_font_texture(atlas);
    unsigned char* pixels = nullptr;
    int width = 0, height = 0;
    atlas.GetTexDataAsRGBA32(&pixels, &width, &height);
    if (!pixels || width <= 0 || height <= 0)
        return false;
    SDL_Texture* texture =
        SDL_CreateTexture(renderer, SDL_PIXELFORMAT_RGBA32, SDL_TEXTUREACCESS_STATIC, width, height);
    if (!texture)
        return false;
    if (SDL_UpdateTexture(texture, nullptr, pixels, width * 4) != 0) {
        SDL_DestroyTexture(texture);
        return false;
    }
    SDL_SetTextureBlendMode(texture, SDL_BLENDMODE_BLEND);
    // Glyphs are drawn at their own size, so sampling only matters on GPUs
    // where text lands between pixels.
    SDL_SetTextureScaleMode(texture, SDL_ScaleModeLinear);
    atlas.SetTexID(static_cast<ImTextureID>(texture));
    return true;
}

void destroy_font_texture(ImFontAtlas& atlas) {
    if (atlas.TexID)
        SDL_DestroyTexture(static_cast<SDL_Texture*>(atlas.TexID));
    atlas.SetTexID(nullptr);
}

void render_draw_data(SDL_Renderer* renderer, const ImDrawData& data) {
    if (!data.Valid || data.DisplaySize.x <= 0.0f || data.DisplaySize.y <= 0.0f)
        return;
    // ImGui lays out in window units; the target may have more pixels (high
    // DPI). SDL scales positions and clip rectangles alike.
    const float scale_x = data.FramebufferScale.x > 0.0f ? data.FramebufferScale.x : 1.0f;
    const float scale_y = data.FramebufferScale.y > 0.0f ? data.FramebufferScale.y : 1.0f;
    SDL_RenderSetViewport(renderer, nullptr);
    SDL_RenderSetScale(renderer, scale_x, scale_y);
    // Untextured shapes blend by their vertex alpha (anti-aliased edges,
    // translucent overlays), whatever the caller's clear left set.
    SDL_SetRenderDrawBlendMode(renderer, SDL_BLENDMODE_BLEND);

    constexpr int stride = static_cast<int>(sizeof(ImDrawVert));
    for (int n = 0; n < data.CmdListsCount; ++n) {
        const ImDrawList* list = data.CmdLists[n];
        const ImDrawVert* vertices = list->VtxBuffer.Data;
        const ImDrawIdx* indices = list->IdxBuffer.Data;
        for (const ImDrawCmd& cmd : list->CmdBuffer) {
            if (cmd.UserCallback) {
                // The kiosk draws no custom callbacks; ImGui's reset marker
                // needs nothing here.
                if (cmd.UserCallback != ImDrawCallback_ResetRenderState)
                    cmd.UserCallback(list, &cmd);
                continue;
            }
            // Clip rectangle in target coordinates, dropped when empty.
            const float x1 = cmd.ClipRect.x;
            const float y1 = cmd.ClipRect.y;
            const float x2 = cmd.ClipRect.z;
            const float y2 = cmd.ClipRect.w;
            if (x2 <= x1 || y2 <= y1 || cmd.ElemCount == 0)
                continue;
            const SDL_Rect clip{static_cast<int>(x1), static_cast<int>(y1), static_cast<int>(x2 - x1 + 0.5f),
                                static_cast<int>(y2 - y1 + 0.5f)};
            SDL_RenderSetClipRect(renderer, &clip);

            const ImDrawVert* first = vertices + cmd.VtxOffset;
            const int count = list->VtxBuffer.Size - static_cast<int>(cmd.VtxOffset);
            SDL_Texture* texture = static_cast<SDL_Texture*>(cmd.GetTexID());
            SDL_RenderGeometryRaw(renderer, texture,
                                  reinterpret_cast<const float*>(reinterpret_cast<const char*>(first) +
                                                                 offsetof(ImDrawVert, pos)),
                                  stride,
                                  reinterpret_cast<const SDL_Color*>(reinterpret_cast<const char*>(first) +
                                                                     offsetof(ImDrawVert, col)),
                                  stride,
                                  texture ? reinterpret_cast<const float*>(reinterpret_cast<const char*>(first) +
                                                                           offsetof(ImDrawVert, uv))
                                          : nullptr,
                                  texture ? stride : 0, count, indices + cmd.IdxOffset,
                                  static_cast<int>(cmd.ElemCount), static_cast<int>(sizeof(ImDrawIdx)));
        }
    }
    SDL_RenderSetClipRect(renderer, nullptr);
    SDL_RenderSetScale(renderer, 1.0f, 1.0f);
}

} // namespace touchpoint::platform
