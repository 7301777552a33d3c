// error_of(f): the message of the tessera::Error that f throws, for exact-message tests.
#pragma once

#include <string>

#include "core/error.h"

namespace tessera::testing {

/// The what() of the tessera::Error f() throws, or "no error".
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace tessera::testing
