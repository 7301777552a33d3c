// Handles of the ops declared in src/ops: each function declares its op on first use
// (see TSR_OP), so kernels in other files register against it in any order.
#pragma once

#include "dispatch/dispatcher.h"
#include "ops/unary_ops.h"

namespace tessera::ops {

// activation.cpp
OperatorHandle clamp_op();
OperatorHandle hardtanh_op();
OperatorHandle leaky_relu_op();
OperatorHandle elu_op();
OperatorHandle celu_op();
OperatorHandle gelu_op();
OperatorHandle softplus_op();
OperatorHandle prelu_op();
// binary.cpp
OperatorHandle add_op();
OperatorHandle sub_op();
OperatorHandle mul_op();
OperatorHandle div_op();
OperatorHandle pow_op();
OperatorHandle remainder_op();
OperatorHandle fmod_op();
OperatorHandle atan2_op();
OperatorHandle maximum_op();
OperatorHandle minimum_op();
// bitwise.cpp
OperatorHandle logical_and_op();
OperatorHandle logical_or_op();
OperatorHandle logical_xor_op();
OperatorHandle bitwise_and_op();
OperatorHandle bitwise_or_op();
OperatorHandle bitwise_xor_op();
OperatorHandle bitwise_left_shift_op();
OperatorHandle bitwise_right_shift_op();
// cast.cpp
OperatorHandle cast_op();
// compare.cpp
OperatorHandle eq_op();
OperatorHandle ne_op();
OperatorHandle lt_op();
OperatorHandle le_op();
OperatorHandle gt_op();
OperatorHandle ge_op();
// complex.cpp
OperatorHandle conj_op();
OperatorHandle real_op();
OperatorHandle imag_op();
OperatorHandle angle_op();
// matmul.cpp
OperatorHandle matmul_op();
// normalization.cpp
OperatorHandle layer_norm_op();
OperatorHandle rms_norm_op();
OperatorHandle group_norm_op();
OperatorHandle instance_norm_op();
OperatorHandle batch_norm_op();
// pointwise.cpp
OperatorHandle lerp_tensor_op();
OperatorHandle lerp_scalar_op();
OperatorHandle addcmul_op();
// reduce.cpp
OperatorHandle sum_op();
OperatorHandle mean_op();
OperatorHandle max_op();
OperatorHandle min_op();
OperatorHandle max_dim_op();
OperatorHandle min_dim_op();
OperatorHandle argmax_op();
OperatorHandle argmin_op();
OperatorHandle amax_op();
OperatorHandle amin_op();
OperatorHandle prod_op();
OperatorHandle prod_dim_op();
OperatorHandle any_op();
OperatorHandle all_op();
// reduce_stats.cpp
OperatorHandle var_op();
OperatorHandle std_op();
OperatorHandle vector_norm_op();
OperatorHandle logsumexp_op();
// scan.cpp
OperatorHandle cumsum_op();
OperatorHandle cumprod_op();
// softmax.cpp
OperatorHandle softmax_op();
OperatorHandle log_softmax_op();
// unary.cpp
#define TSR_DECLARE_UNARY_OP(name, ...) OperatorHandle name##_op();
TSR_FLOAT_UNARY_OPS(TSR_DECLARE_UNARY_OP)
TSR_OTHER_UNARY_OPS(TSR_DECLARE_UNARY_OP)
#undef TSR_DECLARE_UNARY_OP
// where.cpp
OperatorHandle where_op();

}  // namespace tessera::ops
