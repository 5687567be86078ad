#pragma once
// A small value-or-error type for boundaries that must not throw into the
// frame loop (config loading, store operations). Both types are
// [[nodiscard]]: a result is checked, or dropped on purpose with
// `(void)` and a comment saying why.
#include <string>
#include <utility>
#include <variant>

namespace touchpoint {

struct Error {
    std::string message;
};

template <class T> class [[nodiscard]] Result {
  public:
    Result(T value) : m_v(std::move(value)) {}
    Result(Error e) : m_v(std::move(e)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }
    const T& value() const& { return std::get<0>(m_v); }
    T& value() & { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    const T& operator*() const& { return value(); }
    T& operator*() & { return value(); }
    const T* operator->() const { return &value(); }
    T* operator->() { return &value(); }
    const std::string& error() const { return std::get<1>(m_v).message; }

  private:
    std::variant<T, Error> m_v;
};

// Result<void>: success or an error message. The state is explicit: a
// failure is a failure even when its message is empty (it then reads
// "unknown error").
class [[nodiscard]] Status {
  public:
    static Status success() { return Status(); }
    static Status failure(std::string msg) {
        Status s;
        s.m_failed = true;
        s.m_error = msg.empty() ? "unknown error" : std::move(msg);
        return s;
    }
    bool ok() const { return !m_failed; }
    explicit operator bool() const { return ok(); }
    const std::string& error() const { return m_error; }

  private:
    bool m_failed = false;
    std::string m_error;
};

} // namespace touchpoint
