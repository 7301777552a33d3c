// The op catalogue.
#include "ops.h"

#include <fmt/format.h>

#include "ops/unary_ops.h"

namespace tessera::bench {

namespace {
// Whether a unary op gives its input's dtype (isnan and the like give bool), so it can be chained.
bool keeps_dtype(std::string_view name) {
  return !(name == "isnan" || name == "isinf" || name == "isfinite" || name == "logical_not");
}
}  // namespace

const std::vector<OpInfo>& all_ops() {
  using C = Cost;
  static const std::vector<OpInfo> ops = {
      {"add", "add.Tensor", 2, {}, C::Elementwise, true, {}},
      {"sub", "sub.Tensor", 2, {}, C::Elementwise, true, {}},
      {"mul", "mul.Tensor", 2, {}, C::Elementwise, true, {}},
      {"div", "div.Tensor_mode", 2, {}, C::Elementwise, true, {}},
      {"pow", "pow.Tensor_Tensor", 2, {}, C::Elementwise, true, {}},
      {"remainder", "remainder.Tensor", 2, {}, C::Elementwise, true, {}},
      {"fmod", "fmod.Tensor", 2, {}, C::Elementwise, true, {}},
      {"atan2", "atan2", 2, {}, C::Elementwise, true, {}},
      {"maximum", "maximum", 2, {}, C::Elementwise, true, {}},
      {"minimum", "minimum", 2, {}, C::Elementwise, true, {}},
      {"logical_and", "logical_and", 2, {}, C::Elementwise, false, {}},
      {"logical_or", "logical_or", 2, {}, C::Elementwise, false, {}},
      {"logical_xor", "logical_xor", 2, {}, C::Elementwise, false, {}},
      {"bitwise_and", "bitwise_and.Tensor", 2, {}, C::Elementwise, true, {}},
      {"bitwise_or", "bitwise_or.Tensor", 2, {}, C::Elementwise, true, {}},
      {"bitwise_xor", "bitwise_xor.Tensor", 2, {}, C::Elementwise, true, {}},
      {"bitwise_left_shift", "bitwise_left_shift.Tensor", 2, {}, C::Elementwise, true, {}},
      {"bitwise_right_shift", "bitwise_right_shift.Tensor", 2, {}, C::Elementwise, true, {}},
      {"lerp", "lerp.Tensor", 3, {}, C::Elementwise, true, {}},
      {"lerp_scalar", "lerp.Scalar", 2, {"weight"}, C::Elementwise, true, {}},
      {"addcmul", "addcmul", 3, {}, C::Elementwise, true, {}},
      {"prelu", "prelu", 2, {}, C::Elementwise, true, {}},
      {"eq", "eq.Tensor", 2, {}, C::Elementwise, false, {}},
      {"ne", "ne.Tensor", 2, {}, C::Elementwise, false, {}},
      {"lt", "lt.Tensor", 2, {}, C::Elementwise, false, {}},
      {"le", "le.Tensor", 2, {}, C::Elementwise, false, {}},
      {"gt", "gt.Tensor", 2, {}, C::Elementwise, false, {}},
      {"ge", "ge.Tensor", 2, {}, C::Elementwise, false, {}},
      {"where",
       "where.self",
       3,
       {},
       C::Elementwise,
       false,
       {DType::Bool, std::nullopt, std::nullopt}},
// The unary ops of ops/unary_ops.h; those giving bool cannot be chained.
#define TSR_UNARY_ENTRY(name, ...) {#name, #name, 1, {}, C::Elementwise, keeps_dtype(#name), {}},
      TSR_FLOAT_UNARY_OPS(TSR_UNARY_ENTRY) TSR_OTHER_UNARY_OPS(TSR_UNARY_ENTRY)
#undef TSR_UNARY_ENTRY
          {"clamp", "clamp", 1, {"min", "max"}, C::Elementwise, true, {}},
      {"hardtanh", "hardtanh", 1, {}, C::Elementwise, true, {}},
      {"leaky_relu", "leaky_relu", 1, {}, C::Elementwise, true, {}},
      {"elu", "elu", 1, {}, C::Elementwise, true, {}},
      {"celu", "celu", 1, {}, C::Elementwise, true, {}},
      {"gelu", "gelu", 1, {"approximate"}, C::Elementwise, true, {}},
      {"softplus", "softplus", 1, {}, C::Elementwise, true, {}},
      {"conj", "conj", 1, {}, C::Elementwise, true, {}},
      {"real", "real", 1, {}, C::Elementwise, false, {}},
      {"imag", "imag", 1, {}, C::Elementwise, false, {}},
      {"angle", "angle", 1, {}, C::Elementwise, false, {}},
      {"cast", "cast", 1, {"to"}, C::Elementwise, false, {}},
      {"sum", "sum", 1, {"dim", "keepdim"}, C::Reduction, false, {}},
      {"mean", "mean", 1, {"dim", "keepdim"}, C::Reduction, false, {}},
      {"max", "max", 1, {}, C::Reduction, false, {}},
      {"min", "min", 1, {}, C::Reduction, false, {}},
      {"max_dim", "max.dim", 1, {"dim", "keepdim"}, C::Reduction, false, {}},
      {"min_dim", "min.dim", 1, {"dim", "keepdim"}, C::Reduction, false, {}},
      {"argmax", "argmax", 1, {"dim", "keepdim"}, C::Reduction, false, {}},
      {"argmin", "argmin", 1, {"dim", "keepdim"}, C::Reduction, false, {}},
      {"amax", "amax", 1, {"dim", "keepdim"}, C::Reduction, false, {}},
      {"amin", "amin", 1, {"dim", "keepdim"}, C::Reduction, false, {}},
      {"prod", "prod", 1, {}, C::Reduction, false, {}},
      {"prod_dim", "prod.dim_int", 1, {"dim", "keepdim"}, C::Reduction, false, {}},
      {"any", "any", 1, {"dim", "keepdim"}, C::Reduction, false, {}},
      {"all", "all", 1, {"dim", "keepdim"}, C::Reduction, false, {}},
      {"var", "var.correction", 1, {"dim", "keepdim"}, C::Reduction, false, {}},
      {"std", "std.correction", 1, {"dim", "keepdim"}, C::Reduction, false, {}},
      {"norm", "linalg_vector_norm", 1, {"dim", "keepdim"}, C::Reduction, false, {}},
      {"logsumexp", "logsumexp", 1, {"dim", "keepdim"}, C::Reduction, false, {}},
      {"cumsum", "cumsum", 1, {"dim"}, C::Reduction, true, {}},
      {"cumprod", "cumprod", 1, {"dim"}, C::Reduction, true, {}},
      {"matmul", "matmul", 2, {}, C::Matmul, false, {}},
      {"addmm", "addmm", 3, {}, C::Linear, false, {}},
      {"linear", "linear", 3, {}, C::Linear, false, {}},
      {"bmm", "bmm", 2, {}, C::Matmul, false, {}},
      {"outer", "outer", 2, {}, C::Elementwise, false, {}},
      {"einsum", "einsum", 2, {"equation"}, C::Elementwise, false, {}},
      {"repeat", "repeat", 1, {"repeats"}, C::Elementwise, false, {}},
      {"tile", "tile", 1, {"dims"}, C::Elementwise, false, {}},
      {"cat", "cat", 2, {"dim"}, C::Elementwise, false, {}},
      {"stack", "stack", 2, {"dim"}, C::Elementwise, false, {}},
      {"flip", "flip", 1, {"dims"}, C::Elementwise, true, {}},
      {"roll", "roll", 1, {"shifts", "dims"}, C::Elementwise, true, {}},
      {"tril", "tril", 1, {"diagonal"}, C::Elementwise, true, {}},
      {"triu", "triu", 1, {"diagonal"}, C::Elementwise, true, {}},
      {"clone", "clone", 1, {}, C::Elementwise, true, {}},
      {"one_hot", "one_hot", 1, {"num_classes"}, C::Elementwise, false, {DType::Int64}},
      {"gather", "gather", 2, {"dim"}, C::Elementwise, false, {std::nullopt, DType::Int64}},
      {"scatter",
       "scatter.src",
       3,
       {"dim"},
       C::Elementwise,
       false,
       {std::nullopt, DType::Int64, std::nullopt}},
      {"scatter_value",
       "scatter.value",
       2,
       {"dim", "value"},
       C::Elementwise,
       false,
       {std::nullopt, DType::Int64}},
      {"scatter_add",
       "scatter_add",
       3,
       {"dim"},
       C::Elementwise,
       false,
       {std::nullopt, DType::Int64, std::nullopt}},
      {"index_select",
       "index_select",
       2,
       {"dim"},
       C::Elementwise,
       false,
       {std::nullopt, DType::Int64}},
      {"masked_fill",
       "masked_fill.Scalar",
       2,
       {"value"},
       C::Elementwise,
       false,
       {std::nullopt, DType::Bool}},
      {"nonzero", "nonzero", 1, {}, C::Elementwise, false, {}},
      {"embedding", "embedding", 2, {}, C::Elementwise, false, {std::nullopt, DType::Int64}},
      {"gather_nd", "gather_nd", 2, {}, C::Elementwise, false, {std::nullopt, DType::Int64}},
      {"scatter_nd",
       "scatter_nd",
       3,
       {},
       C::Elementwise,
       false,
       {std::nullopt, DType::Int64, std::nullopt}},
      {"sort", "sort.stable", 1, {"dim"}, C::Reduction, false, {}},
      {"argsort", "argsort.stable", 1, {"dim"}, C::Reduction, false, {}},
      {"topk", "topk", 1, {"k", "dim"}, C::Reduction, false, {}},
      {"unique", "unique", 1, {}, C::Reduction, false, {}},
      {"unique_dim", "unique_dim", 1, {"dim"}, C::Reduction, false, {}},
      {"dropout", "dropout", 1, {"p", "train"}, C::Elementwise, true, {}},
      {"convolution",
       "convolution",
       3,
       {"stride", "padding", "dilation", "transposed", "output_padding", "groups"},
       C::Conv,
       false,
       {}},
      {"fused_elementwise", "fused_elementwise", 2, {"program"}, C::Elementwise, false, {}},
      {"convolution_activation",
       "convolution_activation",
       3,
       {"stride", "padding", "dilation", "groups", "activation", "params"},
       C::Conv,
       false,
       {}},
      {"max_pool",
       "max_pool",
       1,
       {"kernel_size", "stride", "padding", "dilation", "ceil_mode"},
       C::Reduction,
       false,
       {}},
      {"avg_pool",
       "avg_pool",
       1,
       {"kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"},
       C::Reduction,
       false,
       {}},
      {"adaptive_avg_pool", "adaptive_avg_pool", 1, {"output_size"}, C::Reduction, false, {}},
      {"adaptive_max_pool", "adaptive_max_pool", 1, {"output_size"}, C::Reduction, false, {}},
      {"pad", "pad", 1, {"pad", "mode", "value"}, C::Elementwise, false, {}},
      {"sdpa", "scaled_dot_product_attention", 3, {"is_causal"}, C::Attention, false, {}},
      {"interpolate",
       "interpolate",
       1,
       {"size", "mode", "align_corners"},
       C::Elementwise,
       false,
       {}},
      {"grid_sample",
       "grid_sample",
       2,
       {"mode", "padding_mode", "align_corners"},
       C::Elementwise,
       false,
       {}},
      {"linalg_det", "linalg_det", 1, {}, C::Reduction, false, {}},
      {"non_max_suppression",
       "non_max_suppression",
       2,
       {"max_output_boxes_per_class", "iou_threshold", "score_threshold"},
       C::Reduction,
       false,
       {}},
      {"tfidf_vectorizer",
       "tfidf_vectorizer",
       1,
       {"min_gram_length", "max_gram_length", "max_skip_count", "ngram_counts", "ngram_indexes",
        "pool", "mode"},
       C::Reduction,
       false,
       {}},
      {"softmax", "softmax.int", 1, {"dim"}, C::Reduction, true, {}},
      {"log_softmax", "log_softmax.int", 1, {"dim"}, C::Reduction, true, {}},
      // Normalisations: input, then weight and bias (normalized_shape is the weight's shape).
      {"layer_norm", "layer_norm", 3, {}, C::Reduction, false, {}},
      {"rms_norm", "rms_norm", 2, {}, C::Reduction, false, {}},
      {"group_norm", "group_norm", 3, {"num_groups"}, C::Reduction, false, {}},
      {"instance_norm", "instance_norm", 3, {}, C::Reduction, false, {}},
      // input, weight, bias, running_mean, running_var
      {"batch_norm", "batch_norm", 5, {}, C::Elementwise, false, {}},
  };
  return ops;
}

const OpInfo& op_info(std::string_view name) {
  for (const OpInfo& op : all_ops()) {
    if (op.name == name) return op;
  }
  std::vector<std::string> names;
  for (const OpInfo& op : all_ops()) names.push_back(op.name);
  detail::throw_error<Error>("bench: unknown op '", name,
                             "'; known ops: ", fmt::format("{}", fmt::join(names, ", ")));
}

namespace {
// A spec parameter as an argument: ints, floats, bools, strings and lists of ints.
IValue param_value(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return v.get<std::string>();
  return v.get<std::vector<int64_t>>();
}
}  // namespace

Stack bind_call(const OpInfo& op, const std::vector<Tensor>& inputs, const nlohmann::json& params) {
  const OperatorHandle handle = Dispatcher::get().find_or_throw(op.dispatch);
  const auto& schema = handle.schema().arguments;
  // Inputs fill the schema's tensor arguments in order (a tensor-list argument, as cat's,
  // takes them all); params are keyword arguments.
  std::vector<std::pair<std::string, IValue>> kwargs;
  size_t next = 0;
  for (const Argument& a : schema) {
    if (a.type.kind != TypeKind::Tensor || next >= inputs.size()) continue;
    if (a.type.is_list) {
      kwargs.emplace_back(
          a.name, std::vector<Tensor>(inputs.begin() + static_cast<int64_t>(next), inputs.end()));
      next = inputs.size();
    } else {
      kwargs.emplace_back(a.name, inputs[next++]);
    }
  }
  if (op.name == "layer_norm" || op.name == "rms_norm") {
    kwargs.emplace_back("normalized_shape", IValue(inputs[1].sizes().vec()));
  }
  for (const auto& [k, v] : params.items()) {
    if (k == "to") {
      kwargs.emplace_back("dtype", dtype_from_name(v.get<std::string>()));
    } else if (k == "dim") {
      // A spec's dim is an int or a list; the op's schema says which it takes.
      bool list = false;
      for (const Argument& a : schema) list = list || (a.name == "dim" && a.type.is_list);
      if (list) {
        kwargs.emplace_back("dim", v.is_array() ? v.get<std::vector<int64_t>>()
                                                : std::vector<int64_t>{v.get<int64_t>()});
      } else {
        kwargs.emplace_back("dim", v.is_array() ? v.at(0).get<int64_t>() : v.get<int64_t>());
      }
    } else {
      kwargs.emplace_back(k, param_value(v));
    }
  }
  return Dispatcher::get().bind(handle, {}, std::move(kwargs));
}

double flops(const OpInfo& op, const std::vector<Tensor>& inputs, const Tensor& output) {
  switch (op.cost) {
    case Cost::Elementwise:
      return static_cast<double>(output.numel());
    case Cost::Reduction:
      return static_cast<double>(inputs[0].numel());
    case Cost::Matmul:
      return 2.0 * static_cast<double>(output.numel()) * static_cast<double>(inputs[0].size(-1));
    case Cost::Conv: {  // 2 * output elements * (input channels / groups) * kernel elements
      const Tensor& w = inputs[1];
      return 2.0 * static_cast<double>(output.numel()) * static_cast<double>(w.numel() / w.size(0));
    }
    case Cost::Attention:  // q k^T and p v: 2 * 2 * L * S * E per batch and head
      return 4.0 * static_cast<double>(inputs[0].numel()) * static_cast<double>(inputs[1].size(-2));
    case Cost::Linear:  // addmm(C, A, B), linear(x, W, b): the product's inner dim is B's / W's
      return 2.0 * static_cast<double>(output.numel()) * static_cast<double>(inputs[1].size(-1));
  }
  return 0;
}

double bytes(const std::vector<Tensor>& inputs, const Tensor& output) {
  double b = static_cast<double>(output.nbytes());
  for (const Tensor& t : inputs) b += static_cast<double>(t.nbytes());
  return b;
}

}  // namespace tessera::bench
