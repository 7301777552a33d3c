// non_max_suppression: ONNX's NonMaxSuppression (per batch and class, greedy by score, a
// box dropped when its IoU with a kept one exceeds the threshold), the batched and
// thresholded form of torchvision's nms. Schema and reference kernel, in float64.
#include <algorithm>
#include <numeric>

#include "api/functions.h"
#include "core/factories.h"
#include "dispatch/registration.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(non_max_suppression,
       "non_max_suppression(Tensor boxes, Tensor scores, int max_output_boxes_per_class=0, float "
       "iou_threshold=0., float? score_threshold=None, bool center_point_box=False) -> Tensor",
       OpOptions{.dispatch_dtype_args = {0, 1}})
}  // namespace ops
using namespace ops;

namespace {

struct Box {
  double y1, x1, y2, x2;  // y1 <= y2, x1 <= x2
  double area() const { return (y2 - y1) * (x2 - x1); }
};

// Corners [y1, x1, y2, x2] (either diagonal) or centre form [x, y, w, h].
Box box_at(const double* p, bool center) {
  if (center) return {p[1] - p[3] / 2, p[0] - p[2] / 2, p[1] + p[3] / 2, p[0] + p[2] / 2};
  return {std::min(p[0], p[2]), std::min(p[1], p[3]), std::max(p[0], p[2]), std::max(p[1], p[3])};
}

// Whether b overlaps a by more than the threshold (boxes without area overlap nothing).
bool suppresses(const Box& a, const Box& b, double threshold) {
  if (a.area() <= 0 || b.area() <= 0) return false;
  const double h = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  const double w = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  if (h <= 0 || w <= 0) return false;
  const double inter = h * w;
  return inter / (a.area() + b.area() - inter) > threshold;
}

template <typename T>
Tensor nms_kernel(const Tensor& boxes, const Tensor& scores, int64_t max_per_class,
                  double iou_threshold, std::optional<double> score_threshold, bool center) {
  TSR_CHECK(boxes.dim() == 3 && boxes.size(2) == 4,
            "non_max_suppression: expected boxes of shape [batches, boxes, 4], got ",
            boxes.sizes());
  TSR_CHECK(scores.dim() == 3,
            "non_max_suppression: expected scores of shape [batches, classes, "
            "boxes], got ",
            scores.sizes());
  TSR_CHECK(scores.size(0) == boxes.size(0) && scores.size(2) == boxes.size(1),
            "non_max_suppression: scores ", scores.sizes(), " do not match boxes ", boxes.sizes());
  TSR_CHECK(iou_threshold >= 0 && iou_threshold <= 1,
            "non_max_suppression: iou_threshold must be in [0, 1], got ", iou_threshold);
  const int64_t nb = boxes.size(0), nc = scores.size(1), n = boxes.size(1);
  const Tensor b = cast(boxes, DType::Float64).contiguous();
  const Tensor s = cast(scores, DType::Float64).contiguous();
  const double* pb = b.data<double>();
  const double* ps = s.data<double>();
  std::vector<int64_t> selected;  // (batch, class, box) triples
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::vector<Box> kept;
  for (int64_t bi = 0; bi < nb; ++bi) {
    for (int64_t ci = 0; ci < nc; ++ci) {
      const double* sc = ps + (bi * nc + ci) * n;
      // Candidates by descending score, the lower index first among equal scores.
      order.clear();
      for (int64_t i = 0; i < n; ++i) {
        if (!score_threshold || sc[i] > *score_threshold) order.push_back(i);
      }
      std::stable_sort(order.begin(), order.end(),
                       [&](int64_t l, int64_t r) { return sc[l] > sc[r]; });
      kept.clear();
      int64_t count = 0;
      for (const int64_t i : order) {
        if (count >= max_per_class) break;
        const Box box = box_at(pb + (bi * n + i) * 4, center);
        if (std::any_of(kept.begin(), kept.end(),
                        [&](const Box& k) { return suppresses(k, box, iou_threshold); })) {
          continue;
        }
        kept.push_back(box);
        selected.insert(selected.end(), {bi, ci, i});
        ++count;
      }
    }
  }
  Tensor out = empty({static_cast<int64_t>(selected.size() / 3), 3}, DType::Int64);
  std::copy(selected.begin(), selected.end(), out.data<int64_t>());
  return out;
}

}  // namespace

TSR_REGISTER {
  impl_for(non_max_suppression_op(), kBackendReference, FloatingDTypes{},
           []<typename T>() { return &nms_kernel<T>; });
}

Tensor non_max_suppression(const Tensor& boxes, const Tensor& scores,
                           int64_t max_output_boxes_per_class, double iou_threshold,
                           std::optional<double> score_threshold, bool center_point_box) {
  static const auto op = non_max_suppression_op()
                             .typed<Tensor(const Tensor&, const Tensor&, int64_t, double,
                                           std::optional<double>, bool)>();
  return op.call(boxes, scores, max_output_boxes_per_class, iou_threshold, score_threshold,
                 center_point_box);
}

}  // namespace tessera
