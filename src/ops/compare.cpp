// eq, ne, lt, le, gt, ge: compare after promotion, give bool. Complex has eq and ne only.
#include <functional>

#include "api/functions.h"
#include "ops/elementwise.h"
#include "ops/handles.h"

namespace tessera {
namespace ops {
TSR_OP(eq, "eq.Tensor(Tensor self, Tensor other) -> Tensor")
TSR_OP(ne, "ne.Tensor(Tensor self, Tensor other) -> Tensor")
TSR_OP(lt, "lt.Tensor(Tensor self, Tensor other) -> Tensor")
TSR_OP(le, "le.Tensor(Tensor self, Tensor other) -> Tensor")
TSR_OP(gt, "gt.Tensor(Tensor self, Tensor other) -> Tensor")
TSR_OP(ge, "ge.Tensor(Tensor self, Tensor other) -> Tensor")
}  // namespace ops
using namespace ops;

namespace {

template <typename T, typename Cmp>
Tensor compare(const Tensor& a, const Tensor& b, const char* op) {
  using C = compute_t<T>;
  return binary_map<bool, T>(a, b, op, [](T x, T y) { return Cmp{}(C(x), C(y)); });
}

}  // namespace

TSR_REGISTER {
  impl_for(eq_op(), kBackendReference, AllDTypes{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) {
      return compare<T, std::equal_to<>>(a, b, "eq");
    };
  });
  impl_for(ne_op(), kBackendReference, AllDTypes{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) {
      return compare<T, std::not_equal_to<>>(a, b, "ne");
    };
  });
  // Complex numbers have no order: lt/le/gt/ge register real dtypes only.
  impl_for(lt_op(), kBackendReference, RealDTypes{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) { return compare<T, std::less<>>(a, b, "lt"); };
  });
  impl_for(le_op(), kBackendReference, RealDTypes{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) {
      return compare<T, std::less_equal<>>(a, b, "le");
    };
  });
  impl_for(gt_op(), kBackendReference, RealDTypes{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) { return compare<T, std::greater<>>(a, b, "gt"); };
  });
  impl_for(ge_op(), kBackendReference, RealDTypes{}, []<typename T>() {
    return +[](const Tensor& a, const Tensor& b) {
      return compare<T, std::greater_equal<>>(a, b, "ge");
    };
  });
}

#define TSR_COMPARE_API(name)                                                         \
  Tensor name(const Tensor& self, const Tensor& other) {                              \
    static const auto op = name##_op().typed<Tensor(const Tensor&, const Tensor&)>(); \
    return op.call(self, other);                                                      \
  }
TSR_COMPARE_API(eq)
TSR_COMPARE_API(ne)
TSR_COMPARE_API(lt)
TSR_COMPARE_API(le)
TSR_COMPARE_API(gt)
TSR_COMPARE_API(ge)
#undef TSR_COMPARE_API

}  // namespace tessera
