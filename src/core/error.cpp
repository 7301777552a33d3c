// Out-of-line parts of the error machinery.
#include "core/error.h"

namespace tessera::detail {

void assert_fail(const char* cond, const char* file, int line, const std::string& msg) {
  throw InternalError(str_cat("internal error: ", cond, " failed at ", file, ":", line,
                              msg.empty() ? "" : ": ", msg,
                              " (this is a bug in tessera, please report it)"));
}

}  // namespace tessera::detail
