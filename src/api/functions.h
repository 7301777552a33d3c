// The eager C++ API: free functions with PyTorch's names, each calling its op through the
// dispatcher's typed path. Defined next to each op's schema in src/ops/.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/factories.h"
#include "core/tensor.h"
#include "dispatch/ivalue.h"
#include "ops/unary_ops.h"

namespace tessera {

// ---- binary arithmetic (ops/binary.cpp) ----
Tensor add(const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor sub(const Tensor& self, const Tensor& other, const Scalar& alpha = 1);
Tensor mul(const Tensor& self, const Tensor& other);
/// True division; rounding_mode "floor" or "trunc" rounds the quotient as torch.div does.
Tensor div(const Tensor& self, const Tensor& other,
           std::optional<std::string_view> rounding_mode = std::nullopt);
Tensor floor_divide(const Tensor& self, const Tensor& other);
Tensor pow(const Tensor& self, const Tensor& exponent);
/// Python's modulo: the result has the divisor's sign. fmod: C's, the dividend's sign.
Tensor remainder(const Tensor& self, const Tensor& other);
Tensor fmod(const Tensor& self, const Tensor& other);
Tensor atan2(const Tensor& self, const Tensor& other);
/// Elementwise maximum / minimum; NaN if either is NaN.
Tensor maximum(const Tensor& self, const Tensor& other);
Tensor minimum(const Tensor& self, const Tensor& other);
/// self + weight * (end - self); end and weight must have self's dtype.
Tensor lerp(const Tensor& self, const Tensor& end, const Tensor& weight);
Tensor lerp(const Tensor& self, const Tensor& end, const Scalar& weight);
/// self + value * tensor1 * tensor2.
Tensor addcmul(const Tensor& self, const Tensor& tensor1, const Tensor& tensor2,
               const Scalar& value = 1);

// ---- logical and bitwise (ops/bitwise.cpp) ----
Tensor logical_and(const Tensor& self, const Tensor& other);
Tensor logical_or(const Tensor& self, const Tensor& other);
Tensor logical_xor(const Tensor& self, const Tensor& other);
Tensor bitwise_and(const Tensor& self, const Tensor& other);
Tensor bitwise_or(const Tensor& self, const Tensor& other);
Tensor bitwise_xor(const Tensor& self, const Tensor& other);
/// Shifts by a negative amount or by the bit width or more give 0 (or -1 to the right).
Tensor bitwise_left_shift(const Tensor& self, const Tensor& other);
Tensor bitwise_right_shift(const Tensor& self, const Tensor& other);
// Scalar forms: the number takes part in promotion as a wrapped number (Note [Result type]).
Tensor add(const Tensor& self, const Scalar& other, const Scalar& alpha = 1);
Tensor sub(const Tensor& self, const Scalar& other, const Scalar& alpha = 1);
Tensor mul(const Tensor& self, const Scalar& other);
Tensor div(const Tensor& self, const Scalar& other);
Tensor pow(const Tensor& self, const Scalar& exponent);

/// A 0-d tensor marked as a wrapped number, as PyTorch makes of x + 2.
Tensor wrapped_scalar(const Scalar& s);

// ---- unary (ops/unary.cpp; the list is ops/unary_ops.h) ----
// exp, log, sqrt, sin, tanh, sigmoid, erf, silu, ...: bool and integer inputs give float32.
// floor, ceil, round (half to even), trunc, sign, relu keep the dtype; logical_not, isnan,
// isinf, isfinite give bool; bitwise_not takes bool and integers.
#define TSR_DECLARE_UNARY_API(name, ...) Tensor name(const Tensor& self);
TSR_FLOAT_UNARY_OPS(TSR_DECLARE_UNARY_API)
TSR_OTHER_UNARY_OPS(TSR_DECLARE_UNARY_API)
#undef TSR_DECLARE_UNARY_API

// ---- activations with parameters (ops/activation.cpp) ----
/// Limits to [min, max]; the bounds take part in type promotion as in torch.clamp.
Tensor clamp(const Tensor& self, const std::optional<Scalar>& min,
             const std::optional<Scalar>& max = std::nullopt);
Tensor hardtanh(const Tensor& self, const Scalar& min_val = -1, const Scalar& max_val = 1);
Tensor relu6(const Tensor& self);
Tensor leaky_relu(const Tensor& self, const Scalar& negative_slope = 0.01);
Tensor elu(const Tensor& self, const Scalar& alpha = 1, const Scalar& scale = 1,
           const Scalar& input_scale = 1);
Tensor celu(const Tensor& self, const Scalar& alpha = 1.0);
/// approximate: "none" (the erf form) or "tanh".
Tensor gelu(const Tensor& self, std::string_view approximate = "none");
Tensor softplus(const Tensor& self, const Scalar& beta = 1, const Scalar& threshold = 20);
/// x > 0 ? x : weight * x, weight holding one slope or one per channel (dim 1).
Tensor prelu(const Tensor& self, const Tensor& weight);

// ---- softmax (ops/softmax.cpp) and normalisation (ops/normalization.cpp) ----
Tensor softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor log_softmax(const Tensor& self, int64_t dim, std::optional<DType> dtype = std::nullopt);
/// Normalises over the trailing dims named by normalized_shape.
Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape,
                  const std::optional<Tensor>& weight = std::nullopt,
                  const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5);
/// x / sqrt(mean(x^2) + eps) * weight; eps defaults to the dtype's machine epsilon.
Tensor rms_norm(const Tensor& input, IntArrayRef normalized_shape,
                const std::optional<Tensor>& weight = std::nullopt,
                std::optional<double> eps = std::nullopt);
/// input [N, C, *] normalised over groups of C / num_groups channels.
Tensor group_norm(const Tensor& input, int64_t num_groups,
                  const std::optional<Tensor>& weight = std::nullopt,
                  const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5);
/// Each channel of each sample normalised over its spatial dims (input statistics).
Tensor instance_norm(const Tensor& input, const std::optional<Tensor>& weight = std::nullopt,
                     const std::optional<Tensor>& bias = std::nullopt, double eps = 1e-5);
/// Inference only: running statistics per channel (dim 1); training=true is an error.
Tensor batch_norm(const Tensor& input, const std::optional<Tensor>& weight,
                  const std::optional<Tensor>& bias, const std::optional<Tensor>& running_mean,
                  const std::optional<Tensor>& running_var, bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

// ---- shape (ops/shape.cpp; the views are Tensor methods: reshape, permute, ...) ----
Tensor repeat(const Tensor& self, IntArrayRef repeats);
Tensor tile(const Tensor& self, IntArrayRef dims);
/// Concatenation along dim, in the tensors' promoted dtype (1-D empty tensors are skipped).
Tensor cat(TensorList tensors, int64_t dim = 0);
Tensor stack(TensorList tensors, int64_t dim = 0);
/// Views of split_size elements along dim (the last may be smaller).
std::vector<Tensor> split(const Tensor& self, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& self, IntArrayRef split_sizes, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& self, int64_t chunks, int64_t dim = 0);
Tensor flip(const Tensor& self, IntArrayRef dims);
/// Rolls along dims by shifts; with no dims, the flattened tensor by shifts[0].
Tensor roll(const Tensor& self, IntArrayRef shifts, IntArrayRef dims = {});
Tensor tril(const Tensor& self, int64_t diagonal = 0);
Tensor triu(const Tensor& self, int64_t diagonal = 0);
/// indexing "ij" (matrix) or "xy" (Cartesian: the first two outputs' dims swapped).
std::vector<Tensor> meshgrid(TensorList tensors, std::string_view indexing = "ij");
/// int64 class indices to one-hot int64 rows; num_classes -1 takes max + 1.
Tensor one_hot(const Tensor& self, int64_t num_classes = -1);

// ---- indexing (ops/indexing.cpp) ----
Tensor gather(const Tensor& self, int64_t dim, const Tensor& index);
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value);
Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src);
Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index);
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value);
/// [n, dim] int64 coordinates of the non-zero elements.
Tensor nonzero(const Tensor& self);
/// Rows of weight [num, dim] picked by indices: indices.shape + [dim].
Tensor embedding(const Tensor& weight, const Tensor& indices);
/// ONNX GatherND / ScatterND (reduction none, add, mul, max, min).
Tensor gather_nd(const Tensor& data, const Tensor& indices, int64_t batch_dims = 0);
Tensor scatter_nd(const Tensor& data, const Tensor& indices, const Tensor& updates,
                  std::string_view reduction = "none");

// ---- sorting (ops/sort.cpp); stable, NaN above every number ----
std::tuple<Tensor, Tensor> sort(const Tensor& self, int64_t dim = -1, bool descending = false);
Tensor argsort(const Tensor& self, int64_t dim = -1, bool descending = false);
std::tuple<Tensor, Tensor> topk(const Tensor& self, int64_t k, int64_t dim = -1,
                                bool largest = true, bool sorted = true);
/// Sorted distinct values, each element's index among them (self's shape), their counts.
std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& self);
/// torch.unique(self, dim=dim, return_inverse=True, return_counts=True): the distinct
/// slices along dim (lexicographic order), each slice's index among them, and counts.
std::tuple<Tensor, Tensor, Tensor> unique_dim(const Tensor& self, int64_t dim);

/// Identity unless train; then elements are zeroed with probability p, the rest scaled.
Tensor dropout(const Tensor& input, double p, bool train);

// ---- comparison (ops/compare.cpp); results are bool ----
Tensor eq(const Tensor& self, const Tensor& other);
Tensor ne(const Tensor& self, const Tensor& other);
Tensor lt(const Tensor& self, const Tensor& other);
Tensor le(const Tensor& self, const Tensor& other);
Tensor gt(const Tensor& self, const Tensor& other);
Tensor ge(const Tensor& self, const Tensor& other);

// ---- selection (ops/where.cpp) ----
Tensor where(const Tensor& condition, const Tensor& self, const Tensor& other);

// ---- reductions (ops/reduce.cpp) ----
/// Sum over dim (all dims when nullopt or empty); integral inputs sum to int64.
Tensor sum(const Tensor& self, OptionalIntArrayRef dim = std::nullopt, bool keepdim = false,
           std::optional<DType> dtype = std::nullopt);
Tensor mean(const Tensor& self, OptionalIntArrayRef dim = std::nullopt, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);
/// Largest element (NaN if any is NaN).
Tensor max(const Tensor& self);
Tensor min(const Tensor& self);
/// Largest elements along dim and their indices (the first, on ties).
std::tuple<Tensor, Tensor> max(const Tensor& self, int64_t dim, bool keepdim = false);
std::tuple<Tensor, Tensor> min(const Tensor& self, int64_t dim, bool keepdim = false);
/// Index of the largest element, over the flattened tensor when dim is nullopt.
Tensor argmax(const Tensor& self, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
Tensor argmin(const Tensor& self, std::optional<int64_t> dim = std::nullopt, bool keepdim = false);
/// Largest / smallest over dims (all when empty); NaN if any is NaN.
Tensor amax(const Tensor& self, IntArrayRef dim = {}, bool keepdim = false);
Tensor amin(const Tensor& self, IntArrayRef dim = {}, bool keepdim = false);
/// Product; integral inputs multiply to int64.
Tensor prod(const Tensor& self, std::optional<DType> dtype = std::nullopt);
Tensor prod(const Tensor& self, int64_t dim, bool keepdim = false,
            std::optional<DType> dtype = std::nullopt);
/// Whether any / all elements are non-zero: bool, or uint8 for uint8 inputs.
Tensor any(const Tensor& self, OptionalIntArrayRef dim = std::nullopt, bool keepdim = false);
Tensor all(const Tensor& self, OptionalIntArrayRef dim = std::nullopt, bool keepdim = false);

// ---- statistics and norms (ops/reduce_stats.cpp) ----
/// Variance with the given correction (1, Bessel's, when nullopt); real for complex inputs.
Tensor var(const Tensor& self, OptionalIntArrayRef dim = std::nullopt,
           const std::optional<Scalar>& correction = std::nullopt, bool keepdim = false);
Tensor std(const Tensor& self, OptionalIntArrayRef dim = std::nullopt,
           const std::optional<Scalar>& correction = std::nullopt, bool keepdim = false);
/// The vector p-norm over dim (torch.linalg.vector_norm): p = 0, 1, 2, inf, -inf or any.
Tensor norm(const Tensor& self, const Scalar& p = 2, OptionalIntArrayRef dim = std::nullopt,
            bool keepdim = false);
Tensor logsumexp(const Tensor& self, IntArrayRef dim, bool keepdim = false);

// ---- scans (ops/scan.cpp) ----
/// Running sum / product along dim; integral inputs accumulate to int64.
Tensor cumsum(const Tensor& self, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor cumprod(const Tensor& self, int64_t dim, std::optional<DType> dtype = std::nullopt);

// ---- linear algebra (ops/matmul.cpp) ----
/// torch.matmul: dot, matrix-vector, matrix-matrix, and batched with broadcast batch dims.
Tensor matmul(const Tensor& self, const Tensor& other);

// ---- linear algebra built on matmul (ops/linalg.cpp) ----
/// beta * self + alpha * (mat1 @ mat2); beta = 0 ignores self.
Tensor addmm(const Tensor& self, const Tensor& mat1, const Tensor& mat2, const Scalar& beta = 1,
             const Scalar& alpha = 1);
/// input @ weight^T + bias.
Tensor linear(const Tensor& input, const Tensor& weight,
              const std::optional<Tensor>& bias = std::nullopt);
Tensor bmm(const Tensor& self, const Tensor& mat2);
Tensor outer(const Tensor& self, const Tensor& vec2);
/// Einstein summation: "ij,jk->ik", "bii->bi", "...ij->...ji", implicit outputs.
Tensor einsum(std::string_view equation, TensorList tensors);
/// torch.linalg.det: the determinant of each square matrix of A [..., n, n].
Tensor linalg_det(const Tensor& a);

// ---- convolution (ops/conv.cpp) ----
/// Padding of conv1d/2d/3d: sizes (one for all dims, or one per dim), or "same" / "valid".
struct ConvPadding {
  ConvPadding(std::initializer_list<int64_t> s) : sizes(s) {}  // NOLINT: {1, 1}
  ConvPadding(IntArrayRef s) : sizes(s) {}                     // NOLINT
  ConvPadding(const char* m) : mode(m) {}                      // NOLINT: "same"
  Shape sizes;
  std::string mode;  // empty when sizes are given
};
/// As aten::convolution: n-d by the input's rank ([N, C, *] with 1 to 3 spatial dims);
/// transposed weights are [C_in, C_out / groups, *k].
Tensor convolution(const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias,
                   IntArrayRef stride, IntArrayRef padding, IntArrayRef dilation, bool transposed,
                   IntArrayRef output_padding, int64_t groups);
#define TSR_DECLARE_CONV(nd)                                                                       \
  Tensor conv##nd##d(const Tensor& input, const Tensor& weight,                                    \
                     const std::optional<Tensor>& bias = std::nullopt, IntArrayRef stride = {1},   \
                     const ConvPadding& padding = {0}, IntArrayRef dilation = {1},                 \
                     int64_t groups = 1);                                                          \
  Tensor conv_transpose##nd##d(                                                                    \
      const Tensor& input, const Tensor& weight, const std::optional<Tensor>& bias = std::nullopt, \
      IntArrayRef stride = {1}, IntArrayRef padding = {0}, IntArrayRef output_padding = {0},       \
      int64_t groups = 1, IntArrayRef dilation = {1});
TSR_DECLARE_CONV(1)
TSR_DECLARE_CONV(2)
TSR_DECLARE_CONV(3)
#undef TSR_DECLARE_CONV

// ---- pooling and padding (ops/pool.cpp) ----
/// Max pooling over the trailing kernel_size.size() dims (1 to 3); stride defaults to the
/// kernel. Returns the values and, per output, the flat index within the input's plane.
std::tuple<Tensor, Tensor> max_pool_with_indices(const Tensor& self, IntArrayRef kernel_size,
                                                 IntArrayRef stride = {}, IntArrayRef padding = {0},
                                                 IntArrayRef dilation = {1},
                                                 bool ceil_mode = false);
Tensor max_pool1d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = {0}, IntArrayRef dilation = {1}, bool ceil_mode = false);
Tensor max_pool2d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = {0}, IntArrayRef dilation = {1}, bool ceil_mode = false);
Tensor max_pool3d(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                  IntArrayRef padding = {0}, IntArrayRef dilation = {1}, bool ceil_mode = false);
Tensor avg_pool(const Tensor& self, IntArrayRef kernel_size, IntArrayRef stride = {},
                IntArrayRef padding = {0}, bool ceil_mode = false, bool count_include_pad = true,
                std::optional<int64_t> divisor_override = std::nullopt);
/// Pools to output_size over the trailing output_size.size() dims.
Tensor adaptive_avg_pool(const Tensor& self, IntArrayRef output_size);
std::tuple<Tensor, Tensor> adaptive_max_pool(const Tensor& self, IntArrayRef output_size);
/// torch.nn.functional.pad: (begin, end) pairs from the last dim backwards; mode "constant"
/// (negative pads crop), "reflect", "replicate" or "circular".
Tensor pad(const Tensor& self, IntArrayRef pad, std::string_view mode = "constant",
           std::optional<double> value = std::nullopt);

// ---- attention and resampling (ops/attention.cpp) ----
/// softmax(q k^T * scale + mask) v; a bool mask keeps where true; scale defaults to
/// 1/sqrt(E). Inference only (no dropout).
Tensor scaled_dot_product_attention(const Tensor& query, const Tensor& key, const Tensor& value,
                                    const std::optional<Tensor>& attn_mask = std::nullopt,
                                    bool is_causal = false,
                                    std::optional<double> scale = std::nullopt);
/// torch.nn.functional.interpolate: nearest, nearest-exact, linear / bilinear / trilinear,
/// bicubic; size or scale_factor (one per spatial dim, or one for all).
Tensor interpolate(const Tensor& input, OptionalIntArrayRef size,
                   const std::optional<std::vector<double>>& scale_factor = std::nullopt,
                   std::string_view mode = "nearest",
                   std::optional<bool> align_corners = std::nullopt);
/// torch.nn.functional.grid_sample (2-d): input [N, C, H, W] read at grid [N, H_out, W_out,
/// 2] (x, y in [-1, 1]); mode bilinear, nearest or bicubic; padding_mode zeros, border or
/// reflection.
Tensor grid_sample(const Tensor& input, const Tensor& grid, std::string_view mode = "bilinear",
                   std::string_view padding_mode = "zeros",
                   std::optional<bool> align_corners = std::nullopt);
/// ONNX's NonMaxSuppression: boxes [B, N, 4] (corners [y1, x1, y2, x2], or [x, y, w, h] with
/// center_point_box), scores [B, C, N]; per batch and class, boxes by descending score,
/// each dropped when its IoU with a kept one exceeds iou_threshold or its score is not above
/// score_threshold, at most max_output_boxes_per_class kept. Returns [K, 3] int64 rows
/// (batch, class, box). torchvision's nms is one batch and class of it.
Tensor non_max_suppression(const Tensor& boxes, const Tensor& scores,
                           int64_t max_output_boxes_per_class, double iou_threshold = 0,
                           std::optional<double> score_threshold = std::nullopt,
                           bool center_point_box = false);
/// ONNX's TfIdfVectorizer over integer tokens: input [C] or [B, C]; counts the pool's
/// n-grams (ngram_counts: where each length starts in pool; ngram_indexes: each n-gram's
/// output column) of lengths min to max, with gaps of up to max_skip_count; mode TF (the
/// counts), IDF (weights where counted) or TFIDF (counts times weights). float32 [.., S].
Tensor tfidf_vectorizer(const Tensor& input, int64_t min_gram_length, int64_t max_gram_length,
                        int64_t max_skip_count, IntArrayRef ngram_counts, IntArrayRef ngram_indexes,
                        IntArrayRef pool, std::string_view mode = "TF",
                        const std::vector<double>& weights = {});

// ---- complex (ops/complex.cpp) ----
Tensor conj(const Tensor& self);
/// Real part: a view for complex tensors, self for real ones.
Tensor real(const Tensor& self);
/// Imaginary part of a complex tensor, as a view.
Tensor imag(const Tensor& self);
Tensor angle(const Tensor& self);

// ---- conversion (ops/cast.cpp) ----
/// A copy converted to dtype.
Tensor cast(const Tensor& self, DType dtype);

// ---- operators ----
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, const Scalar& b);
Tensor operator-(const Tensor& a, const Scalar& b);
Tensor operator*(const Tensor& a, const Scalar& b);
Tensor operator/(const Tensor& a, const Scalar& b);
Tensor operator+(const Scalar& a, const Tensor& b);
Tensor operator-(const Scalar& a, const Tensor& b);
Tensor operator*(const Scalar& a, const Tensor& b);
Tensor operator/(const Scalar& a, const Tensor& b);
Tensor operator==(const Tensor& a, const Tensor& b);
Tensor operator!=(const Tensor& a, const Tensor& b);
Tensor operator<(const Tensor& a, const Tensor& b);
Tensor operator<=(const Tensor& a, const Tensor& b);
Tensor operator>(const Tensor& a, const Tensor& b);
Tensor operator>=(const Tensor& a, const Tensor& b);

}  // namespace tessera
