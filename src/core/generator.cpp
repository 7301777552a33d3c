// The default random generator.
#include "core/generator.h"

namespace tessera {

Generator& default_generator() {
  static Generator g;
  return g;
}

}  // namespace tessera
