// libFuzzer target for the ONNX importer: bytes -> Session (parse, import, optimise, plan)
// and, when the inputs are small, one run on zeros. Every bad input must end in a
// tessera::Error; anything else (a crash, another exception, a hang) is a finding.
//   build/release/bin/tessera_import_fuzzer CORPUS_DIR -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "runtime/session.h"
#include "tessera.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tessera;
  try {
    const runtime::Session s =
        runtime::Session::from_bytes(std::string_view(reinterpret_cast<const char*>(data), size));
    std::vector<runtime::NamedTensor> inputs;
    int64_t total = 0;
    for (const runtime::IoInfo& io : s.inputs()) {
      if (!io.type.shape || !io.type.dtype) return 0;
      std::vector<int64_t> shape;
      for (const ir::Dim& d : *io.type.shape) {
        shape.push_back(d.is_static() ? d.size : 1);
        if (shape.back() > (int64_t{1} << 16)) return 0;
      }
      int64_t n = 1;
      for (int64_t d : shape) n *= d;
      total += n;
      if (total > (int64_t{1} << 16)) return 0;  // keep each run small
      inputs.emplace_back(io.name, zeros(shape, *io.type.dtype));
    }
    s.run(inputs);
  } catch (const Error&) {
    // A clear error: what bad input should get.
  }
  return 0;
}
