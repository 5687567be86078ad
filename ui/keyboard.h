#pragma once
// The on-screen keyboard of the comment screen (a kiosk has no physical
// keyboard). Three parts, each usable without the others:
//
// - the keys of a language's layout (keyboard_rows), pure data;
// - the intent each key sends (key_intent); the runtime edits the comment
//   (app/flow.h: the one place its length limit is enforced);
// - the layout of the whole comment screen (layout_comment), pure, which
//   draw_comment (ui/screens.h) uses, so tests can aim at every key.
#include <string>
#include <string_view>
#include <vector>

#include "ui/layout.h"
#include "ui/screens.h"

namespace touchpoint::ui {

struct Key {
    enum class Kind { character, space, backspace, shift, done };
    Kind kind = Kind::character;
    std::string text;    // what a character key types (lower case)
    std::string shifted; // what it types with shift on (capital letters)
    float units = 1.0f;  // width in key units (a letter key is 1)
};

// Rows of keys, top row first, for a language code. Every layout has digits,
// letters, space, backspace, shift and done; "mi", "es" and "fr" add a row
// of their accented letters (ā ē ī ō ū; á é í ó ú ü ¿ ¡ with ñ on the home
// row; é è ê à ç ù â î ô û ë ï œ, on AZERTY). "zh" types pinyin on Latin
// letters. Unknown codes get the English layout.
std::vector<std::vector<Key>> keyboard_rows(const std::string& language);

// Keys for a server address or an enrolment code (staff's "Connect to head
// office"): digits, letters, ":" "/" "." "-" "_", keys that type "https://"
// and "http://", and backspace. Ten key units a row.
std::vector<std::vector<Key>> address_keyboard_rows();

// The Intent a key sends: type_text (id = the key's text, capitals when
// `shift`), backspace, toggle_shift or comment_done.
Intent key_intent(const Key& key, bool shift);

// Length of UTF-8 text in characters (code points), e.g. for the counter.
size_t utf8_length(std::string_view text);

struct KeyRect {
    Key key;
    Rect rect;
};

struct CommentLayout {
    Rect prompt;
    Rect skip;
    Rect text_box; // the comment so far
    Rect counter;  // "42 / 200", inside the bottom of text_box
    std::vector<KeyRect> keys;
    float key_size = 0.0f; // the smallest key edge (width or height) in pixels
    TextSizes text;
};
CommentLayout layout_comment(const CommentView& view, float width, float height);

} // namespace touchpoint::ui
