#include <gtest/gtest.h>
#include "tessera.h"
using namespace tessera;
TEST(Smoke, Add) {
  Tensor a = arange(6, DType::Float32).view({2, 3});
  Tensor c = a + a;
  EXPECT_EQ(c.item<float>(), 0);
}
