// ONNX's signal ops: DFT and STFT as products with constant cosine and sine matrices along
// a static signal length (the lengths in models are small: frames of audio, not images).
#include <cmath>
#include <numbers>

#include "core/factories.h"
#include "dispatch/registration.h"
#include "frontends/onnx/lower.h"

namespace tessera::onnx_frontend {
namespace {

using ir::Value;
using Outs = std::vector<Value*>;

// Element k of the last dim of x, that dim dropped.
Value* component(Lowerer& cx, Value* x, int64_t k) {
  Value* s = cx.op("slice.Tensor", {x, IValue(int64_t{-1}), IValue(k), IValue(k + 1)});
  return cx.op("squeeze.dim", {s, IValue(int64_t{-1})});
}

// The DFT of the complex signal a + ib along its last dim (length n) at bins 0..bins-1:
// the [n, bins] matrices cos(2 pi k t / n) and sin(...) applied by matmul. Inverse: the
// conjugate kernel, divided by n. Returns [..., bins, 2].
Value* dft_last(Lowerer& cx, Value* a, Value* b, int64_t n, int64_t bins, bool inverse, DType d) {
  // Two [n, bins] matrices: a bound keeps them (and a hostile model) within 64 MiB.
  if (n * bins > (int64_t{1} << 22))
    cx.fail("a transform of ", n, " points to ", bins, " bins is too large");
  Tensor c = empty({n, bins}, DType::Float64), s = empty({n, bins}, DType::Float64);
  auto* pc = static_cast<double*>(c.data_ptr());
  auto* ps = static_cast<double*>(s.data_ptr());
  const double scale = inverse ? 1.0 / static_cast<double>(n) : 1.0;
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t k = 0; k < bins; ++k) {
      // t k mod n keeps the angle exact for long signals
      const double angle =
          2 * std::numbers::pi * static_cast<double>((t * k) % n) / static_cast<double>(n);
      pc[t * bins + k] = std::cos(angle) * scale;
      ps[t * bins + k] = std::sin(angle) * scale;
    }
  }
  Value* cm = cx.constant(c.to(d));
  Value* sm = cx.constant(s.to(d));
  auto mm = [&](Value* x, Value* m) { return cx.op("matmul", {x, m}); };
  // forward: (a + ib)(cos - i sin); inverse: (a + ib)(cos + i sin)
  Value* re = mm(a, cm);
  Value* im = inverse ? mm(a, sm) : cx.op("neg", {mm(a, sm)});
  if (b != nullptr) {
    re = inverse ? cx.op("sub.Tensor", {re, mm(b, sm)}) : cx.op("add.Tensor", {re, mm(b, sm)});
    im = cx.op("add.Tensor", {im, mm(b, cm)});
  }
  return cx.op("stack", {std::vector<Value*>{re, im}, IValue(int64_t{-1})});
}

Outs dft(Lowerer& cx) {
  Value* x = cx.in(0);
  const auto xs = cx.static_shape(x);
  if (!xs || xs->size() < 2) cx.fail("the input's static shape is needed");
  const auto r = static_cast<int64_t>(xs->size());
  if (xs->back() != 1 && xs->back() != 2) cx.fail("the last dim must be 1 (real) or 2 (complex)");
  int64_t axis = cx.attr_int("axis", 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis >= r - 1) cx.fail("axis ", cx.attr_int("axis", 1), " is not a signal dim");
  const bool inverse = cx.attr_int("inverse", 0) != 0;
  const bool onesided = cx.attr_int("onesided", 0) != 0;
  const DType d = cx.dtype(x).value_or(DType::Float32);
  Value* a = component(cx, x, 0);
  Value* b = xs->back() == 2 ? component(cx, x, 1) : nullptr;
  int64_t n = (*xs)[static_cast<size_t>(axis)];
  const int64_t last = r - 2;  // the signal dims' last, once the complex dim is dropped
  auto to_last = [&](Value* v) {
    return axis == last ? v : cx.op("transpose.int", {v, IValue(axis), IValue(last)});
  };
  a = to_last(a);
  if (b) b = to_last(b);
  if (cx.in_opt(1)) {  // dft_length: the signal zero-padded or truncated to it
    const int64_t len = cx.need_constant(1, "dft_length").reshape({}).item().to<int64_t>();
    if (len <= 0 || len > (int64_t{1} << 16)) cx.fail("dft_length ", len, " is out of range");
    auto fit = [&](Value* v) {
      if (len < n) {
        return cx.op("slice.Tensor", {v, IValue(int64_t{-1}), IValue(int64_t{0}), IValue(len)});
      }
      if (len > n) {
        return cx.op(
            "pad", {v, IValue(std::vector<int64_t>{0, len - n}), IValue("constant"), IValue(0.0)});
      }
      return v;
    };
    a = fit(a);
    if (b) b = fit(b);
    n = len;
  }
  if (n > (int64_t{1} << 16)) cx.fail("signals longer than 65536 are not supported");
  Value* y = dft_last(cx, a, b, n, onesided ? n / 2 + 1 : n, inverse, d);
  // y: [..., bins, 2] with the signal dim at `last`; moved back to axis.
  return {axis == last ? y : cx.op("transpose.int", {y, IValue(axis), IValue(last)})};
}

// Frames of frame_length every frame_step along the signal, windowed, each transformed.
Outs stft(Lowerer& cx) {
  Value* x = cx.in(0);
  const auto xs = cx.static_shape(x);
  if (!xs || xs->size() != 3)
    cx.fail("the signal's static shape [batch, length, 1 or 2] is needed");
  const int64_t step = cx.need_constant(1, "frame_step").reshape({}).item().to<int64_t>();
  Value* window = cx.in_opt(2);
  int64_t frame = -1;
  if (cx.in_opt(3)) frame = cx.need_constant(3, "frame_length").reshape({}).item().to<int64_t>();
  if (window) {
    const auto ws = cx.static_shape(window);
    if (!ws || ws->size() != 1) cx.fail("the window must be 1-d with a static length");
    if (frame >= 0 && frame != (*ws)[0]) cx.fail("the window's length is not frame_length");
    frame = (*ws)[0];
  }
  const int64_t length = (*xs)[1];
  if (frame <= 0 || frame > length) cx.fail("frame_length ", frame, " is out of range");
  if (step <= 0) cx.fail("frame_step must be positive");
  if (frame > (int64_t{1} << 16)) cx.fail("frames longer than 65536 are not supported");
  const int64_t frames = (length - frame) / step + 1;
  if (frames * frame > (int64_t{1} << 26)) cx.fail("the signal makes too many frames");
  const bool onesided = cx.attr_int("onesided", 1) != 0;
  const DType d = cx.dtype(x).value_or(DType::Float32);
  // Sample indices of every frame, [frames * frame], gathered along the signal.
  Tensor idx = empty({frames * frame}, DType::Int64);
  auto* p = static_cast<int64_t*>(idx.data_ptr());
  for (int64_t f = 0; f < frames; ++f) {
    for (int64_t t = 0; t < frame; ++t) p[f * frame + t] = f * step + t;
  }
  auto framed = [&](Value* v) {  // [batch, length] -> [batch, frames, frame], windowed
    Value* g = cx.op("index_select", {v, IValue(int64_t{1}), cx.constant(idx)});
    g = cx.op("reshape", {g, IValue(std::vector<int64_t>{(*xs)[0], frames, frame})});
    return window ? cx.op("mul.Tensor", {g, window}) : g;
  };
  Value* a = framed(component(cx, x, 0));
  Value* b = (*xs)[2] == 2 ? framed(component(cx, x, 1)) : nullptr;
  return {dft_last(cx, a, b, frame, onesided ? frame / 2 + 1 : frame, false, d)};
}

}  // namespace

TSR_REGISTER {
  register_lowering("DFT", 17, dft);
  register_lowering("STFT", 17, stft);
}

}  // namespace tessera::onnx_frontend
