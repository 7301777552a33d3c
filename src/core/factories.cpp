// Tensor factories.
#include "core/factories.h"

#include <cmath>
#include <numbers>

#include "core/convert.h"

namespace tessera {
namespace {

DType default_for(const Scalar& v) {
  if (v.is_bool()) return DType::Bool;
  if (v.is_integral()) return DType::Int64;
  if (v.is_complex()) return DType::Complex64;
  return kDefaultFloat;
}

}  // namespace

Tensor empty(IntArrayRef sizes, TensorOptions opts) {
  const DType dt = opts.dtype.value_or(kDefaultFloat);
  const int64_t n = checked_numel(sizes, "empty");
  size_t nbytes = 0;
  TSR_CHECK(!__builtin_mul_overflow(static_cast<size_t>(n), itemsize(dt), &nbytes),
            "empty: ", sizes, " elements of ", dt, " overflow the address space");
  return make_tensor(IntrusivePtr<StorageImpl>::make(nbytes, opts.device), dt, sizes);
}

Tensor empty_strided(IntArrayRef sizes, IntArrayRef strides, TensorOptions opts) {
  TSR_CHECK(sizes.size() == strides.size(), "empty_strided: got ", sizes.size(), " sizes but ",
            strides.size(), " strides");
  int64_t need = checked_numel(sizes, "empty_strided") == 0 ? 0 : 1;
  for (size_t i = 0; i < sizes.size() && need; ++i) {
    TSR_CHECK(strides[i] >= 0, "empty_strided: strides must be non-negative, got ", strides);
    need += (sizes[i] - 1) * strides[i];
  }
  Tensor base = empty({need}, opts);
  return base.as_strided(sizes, strides, 0);
}

Tensor empty_like(const Tensor& t) {
  return empty(t.sizes(), TensorOptions(t.dtype(), t.device()));
}

Tensor zeros(IntArrayRef sizes, TensorOptions opts) {
  return empty(sizes, opts).fill_(0);
}
Tensor ones(IntArrayRef sizes, TensorOptions opts) {
  return empty(sizes, opts).fill_(1);
}

Tensor full(IntArrayRef sizes, const Scalar& value, TensorOptions opts) {
  if (!opts.dtype) opts.dtype = default_for(value);
  return empty(sizes, opts).fill_(value);
}

Tensor scalar_tensor(const Scalar& value, TensorOptions opts) {
  return full({}, value, opts);
}

Tensor arange(const Scalar& end, TensorOptions opts) {
  return arange(0, end, 1, opts);
}

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, TensorOptions opts) {
  for (const Scalar* s : {&start, &end, &step}) {
    TSR_CHECK_AS(TypeError, !s->is_complex(),
                 "arange: complex start, end or step are not supported");
  }
  const bool integral = !start.is_floating() && !end.is_floating() && !step.is_floating();
  const DType dt = opts.dtype.value_or(integral ? DType::Int64 : kDefaultFloat);
  const double b = start.to<double>(), e = end.to<double>(), st = step.to<double>();
  TSR_CHECK(st != 0, "arange: step must be nonzero");
  TSR_CHECK(std::isfinite(b) && std::isfinite(e), "arange: unsupported range: ", b, " -> ", e);
  TSR_CHECK((st > 0 && e >= b) || (st < 0 && e <= b),
            "arange: upper bound and larger bound inconsistent with step sign");
  const double len = std::ceil((e - b) / st);
  TSR_CHECK(len < 9.0e15, "arange: ", len, " elements is too many");
  const auto n = static_cast<int64_t>(len);
  Tensor out = empty({n}, TensorOptions(dt, opts.device));
  visit_dtype(
      dt,
      [&]<typename T>() {
        T* p = static_cast<T*>(out.data_ptr());
        if (integral && is_integral(dt, false)) {
          const int64_t b0 = start.to<int64_t>(), s0 = step.to<int64_t>();
          for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(b0 + i * s0);
        } else {
          for (int64_t i = 0; i < n; ++i) p[i] = convert<T>(b + st * static_cast<double>(i));
        }
      },
      AllDTypes{});
  return out;
}

Tensor linspace(const Scalar& start, const Scalar& end, int64_t steps, TensorOptions opts) {
  TSR_CHECK(steps >= 0, "linspace: number of steps must be non-negative, got ", steps);
  const DType dt = opts.dtype.value_or(kDefaultFloat);
  Tensor out = empty({steps}, TensorOptions(dt, opts.device));
  const double b = start.to<double>(), e = end.to<double>();
  const double step = steps > 1 ? (e - b) / static_cast<double>(steps - 1) : 0.0;
  const int64_t half = steps / 2;
  visit_dtype(
      dt,
      [&]<typename T>() {
        T* p = static_cast<T*>(out.data_ptr());
        // Count from both ends, as PyTorch does, so the last point is exactly `end`.
        for (int64_t i = 0; i < steps; ++i) {
          const double v = i < half ? b + step * static_cast<double>(i)
                                    : e - step * static_cast<double>(steps - i - 1);
          p[i] = convert<T>(v);
        }
      },
      AllDTypes{});
  return out;
}

Tensor eye(int64_t n, std::optional<int64_t> m, TensorOptions opts) {
  const int64_t cols = m.value_or(n);
  TSR_CHECK(n >= 0 && cols >= 0, "eye: n and m must be non-negative, got ", n, " and ", cols);
  Tensor out = zeros({n, cols}, opts);
  out.diagonal().fill_(1);
  return out;
}

namespace {

template <typename Draw>
Tensor random_fill(IntArrayRef sizes, TensorOptions opts, Generator* gen, const char* op,
                   Draw draw) {
  const DType dt = opts.dtype.value_or(kDefaultFloat);
  TSR_CHECK_AS(TypeError, is_floating(dt) || is_complex(dt), op,
               ": expected a floating point or complex dtype, got ", dt);
  Tensor out = empty(sizes, TensorOptions(dt, opts.device));
  Generator& g = gen ? *gen : default_generator();
  visit_dtype(
      dt,
      [&]<typename T>() {
        T* p = static_cast<T*>(out.data_ptr());
        const int64_t n = out.numel();
        g.with_engine([&](std::mt19937_64& eng) {
          for (int64_t i = 0; i < n; ++i) {
            if constexpr (is_complex_v<T>) {
              const auto [re, im] = draw.template pair<typename T::value_type>(eng);
              p[i] = T(re, im);
            } else {
              p[i] = draw.template one<T>(eng);
            }
          }
          return 0;
        });
      },
      InexactDTypes{});
  return out;
}

// Uniform [0, 1) with T's precision: a value that rounds up to 1 is drawn again.
struct UniformDraw {
  template <typename T>
  T one(std::mt19937_64& eng) {
    for (;;) {
      const double u = static_cast<double>(eng() >> 11) * 0x1p-53;
      const T v = convert<T>(u);
      if (convert<double>(v) < 1.0) return v;
    }
  }
  template <typename V>
  std::pair<V, V> pair(std::mt19937_64& eng) {
    const V a = one<V>(eng);
    return {a, one<V>(eng)};
  }
};

// Standard normal by Box-Muller.
struct NormalDraw {
  static std::pair<double, double> box_muller(std::mt19937_64& eng) {
    const double u1 = (static_cast<double>(eng() >> 11) + 1.0) * 0x1p-53;  // (0, 1]
    const double u2 = static_cast<double>(eng() >> 11) * 0x1p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    return {r * std::cos(2 * std::numbers::pi * u2), r * std::sin(2 * std::numbers::pi * u2)};
  }
  template <typename T>
  T one(std::mt19937_64& eng) {
    return convert<T>(box_muller(eng).first);
  }
  template <typename V>
  std::pair<V, V> pair(std::mt19937_64& eng) {
    const auto [a, b] = box_muller(eng);
    return {static_cast<V>(a * std::numbers::sqrt2 / 2),
            static_cast<V>(b * std::numbers::sqrt2 / 2)};
  }
};

}  // namespace

Tensor rand(IntArrayRef sizes, TensorOptions opts, Generator* gen) {
  return random_fill(sizes, opts, gen, "rand", UniformDraw{});
}

Tensor randn(IntArrayRef sizes, TensorOptions opts, Generator* gen) {
  return random_fill(sizes, opts, gen, "randn", NormalDraw{});
}

Tensor from_blob(void* data, IntArrayRef sizes, DType dtype, std::optional<IntArrayRef> strides,
                 std::function<void(void*)> deleter, Device device) {
  TSR_CHECK(data != nullptr || checked_numel(sizes, "from_blob") == 0, "from_blob: data is null");
  // The storage spans exactly what the layout reaches; negative strides are not allowed here.
  const Shape st = strides ? Shape(std::span<const int64_t>(strides->data(), strides->size()))
                           : contiguous_strides(sizes);
  TSR_CHECK(st.size() == sizes.size(), "from_blob: got ", sizes.size(), " sizes but ", st.size(),
            " strides");
  int64_t reach = checked_numel(sizes, "from_blob") == 0 ? 0 : 1;
  for (size_t i = 0; i < sizes.size() && reach; ++i) {
    TSR_CHECK(st[i] >= 0, "from_blob: strides must be non-negative, got ", IntArrayRef(st));
    reach += (sizes[i] - 1) * st[i];
  }
  auto storage = IntrusivePtr<StorageImpl>::make(data, static_cast<size_t>(reach) * itemsize(dtype),
                                                 device, std::move(deleter));
  return make_tensor(std::move(storage), dtype, sizes, IntArrayRef(st));
}

}  // namespace tessera
