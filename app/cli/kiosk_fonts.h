#pragma once
// The font atlas the kiosk's screens need: the customer screens' text sizes
// for the window and DPI, plus the staff screens' while the staff area is
// open (loaded only then: a smaller atlas keeps the kiosk small), with the
// glyphs of every text they may show in the language shown. Rebuilt between
// frames when any of that changes.
#include "app/kiosk_runtime.h"
#include "app/translations.h"
#include "platform/window.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace touchpoint::cli {

class KioskFonts {
  public:
    explicit KioskFonts(const Catalogue& catalogue);
    ~KioskFonts();

    static std::vector<float> sizes(std::pair<int, int> window, float dpi, bool staff);
    std::vector<std::string> texts(const Survey& survey, const std::string& language,
                                   bool staff) const;

    // Before the window: starts building the atlas of the question screen in
    // the default language (what nearly every start shows first) on a thread.
    void build_ahead(std::pair<int, int> planned_size, float dpi, const Survey& survey,
                     const std::string& language);
    // The first atlas, for the window's `dpi`: the one built ahead when it is
    // what the runtime shows in this window, else a new one. The one built
    // ahead is freed.
    void load_first(platform::Window& window, const KioskRuntime& runtime, float dpi);
    // Between frames: a new atlas when the window's size, the staff area,
    // the language or the texts changed. True when it loaded one.
    bool follow(platform::Window& window, const KioskRuntime& runtime);

  private:
    struct Key {
        std::pair<int, int> size;
        bool staff = false;
        std::string language;
        int texts_version = 0;
        bool operator==(const Key& o) const {
            return size == o.size && staff == o.staff && language == o.language &&
                   texts_version == o.texts_version;
        }
    };
    Key key_of(const platform::Window& window, const KioskRuntime& runtime) const;

    const Catalogue& m_catalogue;
    float m_dpi = 96.0f;
    std::unique_ptr<platform::FontAtlasJob> m_ahead;
    Key m_loaded;
};

} // namespace touchpoint::cli
