// Errors: tessera::Error and its kinds, TSR_CHECK for bad input and TSR_ASSERT for invariants.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace tessera {

/// Base of every error tessera throws for bad input. The message names the op and says
/// what was expected and what was got.
class Error : public std::runtime_error {
 public:
  explicit Error(std::string msg) : std::runtime_error(std::move(msg)) {}
};
/// A dimension or index out of range.
class IndexError : public Error {
  using Error::Error;
};
/// A dtype an op does not accept.
class TypeError : public Error {
  using Error::Error;
};
/// No kernel registered for an (op, backend, dtype), or a feature not built.
class NotImplementedError : public Error {
  using Error::Error;
};
/// Broken internal invariant: a bug in tessera, not in the caller's input.
class InternalError : public Error {
  using Error::Error;
};

namespace detail {

template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

// Out of line and cold so that a TSR_CHECK costs one compare on the fast path.
template <typename E, typename... Args>
[[noreturn]] __attribute__((noinline, cold)) void throw_error(const Args&... args) {
  throw E(str_cat(args...));
}

[[noreturn]] void assert_fail(const char* cond, const char* file, int line, const std::string& msg);

}  // namespace detail
}  // namespace tessera

/// Checks user input: throws tessera::Error with the message, formatted only on failure.
#define TSR_CHECK(cond, ...) TSR_CHECK_AS(::tessera::Error, cond, __VA_ARGS__)
/// As TSR_CHECK, throwing the given Error subclass.
#define TSR_CHECK_AS(E, cond, ...)                    \
  do {                                                \
    if (__builtin_expect(!(cond), 0)) {               \
      ::tessera::detail::throw_error<E>(__VA_ARGS__); \
    }                                                 \
  } while (0)
/// Checks an internal invariant; a failure is a bug in tessera ("internal error").
#define TSR_ASSERT(cond, ...)                                                                    \
  do {                                                                                           \
    if (__builtin_expect(!(cond), 0)) {                                                          \
      ::tessera::detail::assert_fail(#cond, __FILE__, __LINE__,                                  \
                                     ::tessera::detail::str_cat("" __VA_OPT__(, ) __VA_ARGS__)); \
    }                                                                                            \
  } while (0)
