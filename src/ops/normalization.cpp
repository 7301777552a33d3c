// layer_norm, rms_norm, group_norm, instance_norm, batch_norm (inference): schemas and
// reference kernels. Statistics are taken in double; weights and biases are read as double.
#include <cmath>
#include <vector>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
// These dispatch on the input's dtype; weights and statistics are read in double.
TSR_OP(layer_norm,
       "layer_norm(Tensor input, int[] normalized_shape, Tensor? weight=None, Tensor? bias=None, "
       "float eps=1e-05) -> Tensor",
       OpOptions{.dispatch_dtype_args = {0}})
TSR_OP(rms_norm,
       "rms_norm(Tensor input, int[] normalized_shape, Tensor? weight=None, float? eps=None) -> "
       "Tensor",
       OpOptions{.dispatch_dtype_args = {0}})
TSR_OP(group_norm,
       "group_norm(Tensor input, int num_groups, Tensor? weight=None, Tensor? bias=None, float "
       "eps=1e-05) -> Tensor",
       OpOptions{.dispatch_dtype_args = {0}})
TSR_OP(instance_norm,
       "instance_norm(Tensor input, Tensor? weight=None, Tensor? bias=None, float eps=1e-05) -> "
       "Tensor",
       OpOptions{.dispatch_dtype_args = {0}})
TSR_OP(batch_norm,
       "batch_norm(Tensor input, Tensor? weight, Tensor? bias, Tensor? running_mean, Tensor? "
       "running_var, bool training=False, float momentum=0.1, float eps=1e-05) -> Tensor",
       OpOptions{.dispatch_dtype_args = {0}})
}  // namespace ops
using namespace ops;

namespace {

// The values of an optional parameter tensor as doubles (empty when absent).
std::vector<double> values_of(const std::optional<Tensor>& t) {
  if (!t || !t->defined()) return {};
  const Tensor c = cast_if_needed(*t, DType::Float64).contiguous();
  const auto* p = static_cast<const double*>(c.data_ptr());
  return std::vector<double>(p, p + c.numel());
}

void check_param(const std::optional<Tensor>& t, int64_t n, const char* op, const char* name) {
  if (!t || !t->defined()) return;
  TSR_CHECK(t->numel() == n, op, ": expected ", name, " to have ", n, " elements, got ", t->numel(),
            " (shape ", t->sizes(), ")");
}

// Normalises each of m rows of k elements of x (row-major) to zero mean and unit variance
// (rms: to unit root mean square, without centring), then y = affine(row, column, value).
template <typename T, typename Affine>
Tensor normalize_rows(const Tensor& input, int64_t m, int64_t k, double eps, bool rms,
                      Affine affine) {
  const Tensor x = input.contiguous();
  Tensor out = empty(input.sizes(), TensorOptions(dtype_of<T>, input.device()));
  const T* in = static_cast<const T*>(x.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  for (int64_t i = 0; i < m; ++i) {
    const T* row = in + i * k;
    double mean = 0;
    if (!rms) {
      for (int64_t j = 0; j < k; ++j) mean += convert<double>(row[j]);
      mean /= static_cast<double>(k);
    }
    double ss = 0;
    for (int64_t j = 0; j < k; ++j) {
      const double d = convert<double>(row[j]) - mean;
      ss += d * d;
    }
    const double rstd = 1.0 / std::sqrt(ss / static_cast<double>(k) + eps);
    for (int64_t j = 0; j < k; ++j)
      o[i * k + j] = convert<T>(affine(i, j, (convert<double>(row[j]) - mean) * rstd));
  }
  return out;
}

// The product of the dims after [N, C].
int64_t spatial_size(const Tensor& input) {
  int64_t s = 1;
  for (int64_t d = 2; d < input.dim(); ++d) s *= input.size(d);
  return s;
}

// The product of the trailing dims of input named by normalized_shape, checked.
int64_t normalized_size(const Tensor& input, IntArrayRef normalized_shape, const char* op) {
  const auto d = static_cast<int64_t>(normalized_shape.size());
  bool ok = d >= 1 && d <= input.dim();
  int64_t k = 1;
  for (int64_t i = 0; ok && i < d; ++i) {
    ok = input.size(input.dim() - d + i) == normalized_shape[static_cast<size_t>(i)];
    k *= normalized_shape[static_cast<size_t>(i)];
  }
  TSR_CHECK(ok, op, ": given normalized_shape=", normalized_shape,
            ", expected input with shape [*, ", normalized_shape, "], but got input of size ",
            input.sizes());
  return k;
}

template <typename T>
Tensor layer_norm_kernel(const Tensor& input, IntArrayRef normalized_shape,
                         const std::optional<Tensor>& weight, const std::optional<Tensor>& bias,
                         double eps) {
  const int64_t k = normalized_size(input, normalized_shape, "layer_norm");
  check_param(weight, k, "layer_norm", "weight");
  check_param(bias, k, "layer_norm", "bias");
  const auto w = values_of(weight), b = values_of(bias);
  const int64_t m = k == 0 ? 0 : input.numel() / k;
  return normalize_rows<T>(input, m, k, eps, false, [&](int64_t, int64_t j, double v) {
    return v * (w.empty() ? 1.0 : w[j]) + (b.empty() ? 0.0 : b[j]);
  });
}

template <typename T>
Tensor rms_norm_kernel(const Tensor& input, IntArrayRef normalized_shape,
                       const std::optional<Tensor>& weight, std::optional<double> eps) {
  const int64_t k = normalized_size(input, normalized_shape, "rms_norm");
  check_param(weight, k, "rms_norm", "weight");
  const auto w = values_of(weight);
  const int64_t m = k == 0 ? 0 : input.numel() / k;
  // The default eps is the dtype's machine epsilon, as torch.nn.functional.rms_norm.
  const double e = eps ? *eps : epsilon(dtype_of<T>);
  return normalize_rows<T>(input, m, k, e, true, [&](int64_t, int64_t j, double v) {
    return v * (w.empty() ? 1.0 : w[j]);
  });
}

template <typename T>
Tensor group_norm_impl(const Tensor& input, int64_t groups, const std::optional<Tensor>& weight,
                       const std::optional<Tensor>& bias, double eps, const char* op) {
  TSR_CHECK(input.dim() >= 2, op, ": expected an input of at least 2 dims [N, C, *], got ",
            input.sizes());
  const int64_t n = input.size(0), c = input.size(1);
  TSR_CHECK(groups > 0 && c % groups == 0, op, ": expected the number of channels (", c,
            ") to be divisible by num_groups (", groups, ")");
  check_param(weight, c, op, "weight");
  check_param(bias, c, op, "bias");
  const auto w = values_of(weight), b = values_of(bias);
  const int64_t spatial = spatial_size(input);
  const int64_t per_group = c / groups;
  const int64_t k = per_group * spatial;
  return normalize_rows<T>(input, n * groups, k, eps, false, [&](int64_t i, int64_t j, double v) {
    const int64_t ch = (i % groups) * per_group + j / spatial;
    return v * (w.empty() ? 1.0 : w[ch]) + (b.empty() ? 0.0 : b[ch]);
  });
}

template <typename T>
Tensor group_norm_kernel(const Tensor& input, int64_t groups, const std::optional<Tensor>& weight,
                         const std::optional<Tensor>& bias, double eps) {
  return group_norm_impl<T>(input, groups, weight, bias, eps, "group_norm");
}

template <typename T>
Tensor instance_norm_kernel(const Tensor& input, const std::optional<Tensor>& weight,
                            const std::optional<Tensor>& bias, double eps) {
  TSR_CHECK(input.dim() >= 2, "instance_norm: expected an input of at least 2 dims [N, C, *], got ",
            input.sizes());
  return group_norm_impl<T>(input, input.size(1), weight, bias, eps, "instance_norm");
}

// Inference: y = (x - running_mean) / sqrt(running_var + eps) * weight + bias per channel.
template <typename T>
Tensor batch_norm_kernel(const Tensor& input, const std::optional<Tensor>& weight,
                         const std::optional<Tensor>& bias,
                         const std::optional<Tensor>& running_mean,
                         const std::optional<Tensor>& running_var, bool training, double,
                         double eps) {
  TSR_CHECK(!training,
            "batch_norm: training=True is not supported (tessera's batch_norm is for "
            "inference, with running statistics)");
  TSR_CHECK(running_mean && running_mean->defined() && running_var && running_var->defined(),
            "batch_norm: running_mean and running_var are required when training=False");
  TSR_CHECK(input.dim() >= 2, "batch_norm: expected an input of at least 2 dims [N, C, *], got ",
            input.sizes());
  const int64_t c = input.size(1);
  for (const auto& [t, name] :
       {std::pair{&weight, "weight"}, std::pair{&bias, "bias"},
        std::pair{&running_mean, "running_mean"}, std::pair{&running_var, "running_var"}})
    check_param(*t, c, "batch_norm", name);
  const auto w = values_of(weight), b = values_of(bias);
  const auto mean = values_of(running_mean), var = values_of(running_var);
  const Tensor x = input.contiguous();
  Tensor out = empty(input.sizes(), TensorOptions(dtype_of<T>, input.device()));
  const int64_t spatial = spatial_size(input);
  const T* in = static_cast<const T*>(x.data_ptr());
  T* o = static_cast<T*>(out.data_ptr());
  for (int64_t i = 0; i < input.numel(); ++i) {
    const int64_t ch = (i / spatial) % c;
    const double scale = (w.empty() ? 1.0 : w[ch]) / std::sqrt(var[ch] + eps);
    o[i] = convert<T>((convert<double>(in[i]) - mean[ch]) * scale + (b.empty() ? 0.0 : b[ch]));
  }
  return out;
}

}  // namespace

TSR_REGISTER {
  impl_for(layer_norm_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &layer_norm_kernel<T>; });
  impl_for(rms_norm_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &rms_norm_kernel<T>; });
  impl_for(group_norm_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &group_norm_kernel<T>; });
  impl_for(instance_norm_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &instance_norm_kernel<T>; });
  impl_for(batch_norm_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &batch_norm_kernel<T>; });
}

Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape,
                  const std::optional<Tensor>& weight, const std::optional<Tensor>& bias,
                  double eps) {
  static const auto op = layer_norm_op()
                             .typed<Tensor(const Tensor&, IntArrayRef, const std::optional<Tensor>&,
                                           const std::optional<Tensor>&, double)>();
  return op.call(input, normalized_shape, weight, bias, eps);
}
Tensor rms_norm(const Tensor& input, IntArrayRef normalized_shape,
                const std::optional<Tensor>& weight, std::optional<double> eps) {
  static const auto op = rms_norm_op()
                             .typed<Tensor(const Tensor&, IntArrayRef, const std::optional<Tensor>&,
                                           std::optional<double>)>();
  return op.call(input, normalized_shape, weight, eps);
}
Tensor group_norm(const Tensor& input, int64_t num_groups, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, double eps) {
  static const auto op = group_norm_op()
                             .typed<Tensor(const Tensor&, int64_t, const std::optional<Tensor>&,
                                           const std::optional<Tensor>&, double)>();
  return op.call(input, num_groups, weight, bias, eps);
}
Tensor instance_norm(const Tensor& input, const std::optional<Tensor>& weight,
                     const std::optional<Tensor>& bias, double eps) {
  static const auto op = instance_norm_op()
                             .typed<Tensor(const Tensor&, const std::optional<Tensor>&,
                                           const std::optional<Tensor>&, double)>();
  return op.call(input, weight, bias, eps);
}
Tensor batch_norm(const Tensor& input, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, const std::optional<Tensor>& running_mean,
                  const std::optional<Tensor>& running_var, bool training, double momentum,
                  double eps) {
  static const auto op =
      batch_norm_op()
          .typed<Tensor(const Tensor&, const std::optional<Tensor>&, const std::optional<Tensor>&,
                        const std::optional<Tensor>&, const std::optional<Tensor>&, bool, double,
                        double)>();
  return op.call(input, weight, bias, running_mean, running_var, training, momentum, eps);
}

}  // namespace tessera
