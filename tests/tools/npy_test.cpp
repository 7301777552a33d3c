// .npy files: round trips over dtypes and layouts, NumPy's own files, and bad files.
#include "npy.h"

#include <gtest/gtest.h>

#include "support/error_of.h"
#include "tessera.h"

namespace tessera::npy {
namespace {

using tessera::testing::error_of;

TEST(Npy, RoundTripsEveryNumpyDtype) {
  manual_seed(3);
  for (DType d :
       {DType::Bool, DType::UInt8, DType::Int8, DType::Int16, DType::Int32, DType::Int64,
        DType::Float16, DType::Float32, DType::Float64, DType::Complex64, DType::Complex128}) {
    const Tensor t = (randn({2, 3, 4}) * full({}, 10.0)).to(d);
    const Tensor back = parse(serialize(t), "t");
    EXPECT_EQ(back.dtype(), d);
    EXPECT_EQ(back.sizes().vec(), t.sizes().vec());
    EXPECT_TRUE(all(back.eq(t)).item<bool>()) << name(d);
  }
  const Tensor s = parse(serialize(full({}, 2.5)), "scalar");
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item<double>(), 2.5);
  EXPECT_EQ(parse(serialize(empty({0, 3})), "empty").size(1), 3);
}

TEST(Npy, ReadsFortranOrder) {
  // np.asfortranarray(np.arange(6, dtype='<i4').reshape(2, 3)), saved by NumPy.
  std::string header = "{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }";
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string bytes =
      std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size()) + '\0' + header;
  for (int32_t v : {0, 3, 1, 4, 2, 5}) bytes.append(reinterpret_cast<const char*>(&v), 4);
  const Tensor t = parse(bytes, "f");
  EXPECT_TRUE(all(t.eq(arange(6, DType::Int32).view({2, 3}))).item<bool>());
}

TEST(Npy, BadFilesGiveClearErrors) {
  EXPECT_EQ(error_of([] { parse("hello", "x.npy"); }),
            "npy: x.npy is not a .npy file (no \\x93NUMPY magic)");
  std::string good = serialize(arange(6, DType::Float32));
  EXPECT_EQ(error_of([&] { parse(good.substr(0, good.size() - 4), "x.npy"); }),
            "npy: x.npy holds 20 bytes of data but its shape and dtype need 24");
  std::string bad_dtype = good;
  bad_dtype.replace(bad_dtype.find("<f4"), 3, "<U8");
  EXPECT_EQ(error_of([&] { parse(bad_dtype, "x.npy"); }),
            "npy: x.npy: dtype 'U8' is not supported");
  EXPECT_EQ(error_of([&] { parse(good.substr(0, 30), "x.npy"); }),
            "npy: x.npy is truncated in its header");
  EXPECT_NE(error_of([] { load("/nonexistent/x.npy"); }).find("npy: cannot read"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera::npy
