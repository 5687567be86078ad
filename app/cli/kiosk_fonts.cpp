#include "app/cli/kiosk_fonts.h"

#include "ui/customer_screen.h"
#include "ui/staff_screens.h"
#include "ui/theme.h"

#include <algorithm>

namespace touchpoint::cli {

KioskFonts::KioskFonts(const Catalogue& catalogue) : m_catalogue(catalogue) {}

KioskFonts::~KioskFonts() = default;

std::vector<float> KioskFonts::sizes(std::pair<int, int> window, float dpi, bool staff) {
    const float w = static_cast<float>(window.first), h = static_cast<float>(window.second);
    std::vector<float> sizes = ui::font_pixel_sizes(w, h, dpi);
    if (staff)
        for (float px : ui::staff_font_pixel_sizes(w, h, dpi))
            sizes.push_back(px);
    std::sort(sizes.begin(), sizes.end());
    std::vector<float> out;
    for (float px : sizes)
        if (out.empty() || px - out.back() > 1.0f) out.push_back(px);
    return out;
}

std::vector<std::string> KioskFonts::texts(const Survey& survey, const std::string& language,
                                           bool staff) const {
    std::vector<std::string> texts = ui::customer_texts(survey, m_catalogue, language);
    if (staff)
        for (auto& t : ui::staff_texts())
            texts.push_back(std::move(t));
    return texts;
}

void KioskFonts::build_ahead(std::pair<int, int> planned_size, float dpi, const Survey& survey,
                             const std::string& language) {
    m_ahead = std::make_unique<platform::FontAtlasJob>(sizes(planned_size, dpi, false),
                                                       texts(survey, language, false));
}

KioskFonts::Key KioskFonts::key_of(const platform::Window& window,
                                   const KioskRuntime& runtime) const {
    return {window.size(), runtime.staff_visible(), runtime.flow().language(),
            runtime.texts_version()};
}

void KioskFonts::load_first(platform::Window& window, const KioskRuntime& runtime, float dpi) {
    m_dpi = dpi;
    m_loaded = key_of(window, runtime);
    const std::vector<float> want_sizes = sizes(m_loaded.size, m_dpi, m_loaded.staff);
    const std::vector<std::string> want_texts =
        texts(runtime.config().survey, m_loaded.language, m_loaded.staff);
    if (m_ahead && m_ahead->sizes() == want_sizes && m_ahead->texts() == want_texts)
        window.adopt_fonts(*m_ahead);
    else
        window.load_fonts(want_sizes, want_texts); // another first screen, window or display
    m_ahead.reset();                               // an atlas not adopted is freed now
}

bool KioskFonts::follow(platform::Window& window, const KioskRuntime& runtime) {
    const Key now = key_of(window, runtime);
    if (now == m_loaded) return false;
    m_loaded = now;
    window.load_fonts(sizes(now.size, m_dpi, now.staff),
                      texts(runtime.config().survey, now.language, now.staff));
    return true;
}

} // namespace touchpoint::cli
