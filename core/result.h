#pragma once
// A small value-or-error type for boundaries that must not throw into the
// frame loop (config loading, store operations).
#include <string>
#include <utility>
#include <variant>

namespace touchpoint {

struct Error {
    std::string message;
};

template <class T> class Result {
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

// Result<void>: success or an error message.
struct Status {
    std::string error_message;
    static Status success() { return {}; }
    static Status failure(std::string msg) { return {std::move(msg)}; }
    bool ok() const { return error_message.empty(); }
    explicit operator bool() const { return ok(); }
    const std::string& error() const { return error_message; }
};

} // namespace touchpoint
