// Every op against PyTorch: each case of make_torch_cases.py through the boxed path, and
// the promotion and result-type tables. Cases where PyTorch raises are checked to raise
// in tessera too, except PyTorch's "not implemented for <dtype>" (tessera may do more).
#include <gtest/gtest.h>

#include <algorithm>

#include "support/torch_cases.h"

namespace tessera {
namespace {

using testing::compare_tensors;
using testing::decode_arg;
using testing::decode_tensor;
using testing::torch_cases;

// Every registered op: a test per op, which fails when the op has no reference cases
// (so a new op cannot land without its differential test).
std::vector<std::string> registered_ops() {
  std::vector<std::string> names;
  for (const OperatorHandle& op : Dispatcher::get().ops()) names.push_back(op.name());
  std::sort(names.begin(), names.end());
  return names;
}

std::string run_case(const nlohmann::json& c) {
  std::vector<IValue> args;
  for (const auto& a : c.at("args")) args.push_back(decode_arg(a));
  std::vector<std::pair<std::string, IValue>> kwargs;
  for (const auto& [k, v] : c.at("kwargs").items()) kwargs.emplace_back(k, decode_arg(v));
  const auto& expect = c.at("expect");
  Stack out;
  try {
    out = Dispatcher::get().call(c.at("op").get<std::string>(), std::move(args), std::move(kwargs));
  } catch (const NotImplementedError& e) {
    // No kernel for this dtype: fine where PyTorch raises too, or where its answer is
    // empty (PyTorch skips the dtype check when there is nothing to compute).
    if (expect.contains("error")) return "";
    bool all_empty = true;
    for (const auto& t : expect.at("tensors"))
      all_empty = all_empty && decode_tensor(t).numel() == 0;
    if (all_empty) return "";
    return std::string("tessera raised: ") + e.what();
  } catch (const Error& e) {
    if (expect.contains("error")) return "";
    return std::string("tessera raised: ") + e.what();
  }
  if (expect.contains("error")) {
    const std::string msg = expect.at("error");
    if (msg.find("not implemented for") != std::string::npos)
      return "";  // tessera supports more dtypes
    return "PyTorch raised '" + msg + "' but tessera did not";
  }
  // Tensor-list results (split, meshgrid, ...) compare element by element.
  std::vector<IValue> flat;
  for (IValue& v : out) {
    if (v.is_tensor_list()) {
      for (const Tensor& t : v.to_tensor_list()) flat.emplace_back(t);
    } else {
      flat.push_back(std::move(v));
    }
  }
  out = std::move(flat);
  const auto& tensors = expect.at("tensors");
  if (out.size() != tensors.size()) return "returned " + std::to_string(out.size()) + " values";
  for (size_t i = 0; i < out.size(); ++i) {
    const std::string diff = compare_tensors(out[i].to_tensor(), decode_tensor(tensors[i]));
    if (!diff.empty()) return "return " + std::to_string(i) + ": " + diff;
  }
  return "";
}

class TorchDiff : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchDiff, MatchesPyTorch) {
  const std::string& op = GetParam();
  int ran = 0, skipped = 0;
  std::vector<std::string> failures;
  for (const auto& c : torch_cases().at("cases")) {
    if (c.at("op") != op) continue;
    if (c.at("expect").contains("skip")) {
      ++skipped;
      continue;
    }
    ++ran;
    const std::string why = run_case(c);
    if (!why.empty()) failures.push_back(c.at("id").get<std::string>() + ": " + why);
  }
  EXPECT_GT(ran, 0) << "op " << op
                    << " has no PyTorch differential cases (add them to "
                       "tests/reference/make_torch_cases.py)";
  std::string report;
  for (size_t i = 0; i < failures.size() && i < 20; ++i) report += failures[i] + "\n";
  EXPECT_TRUE(failures.empty()) << failures.size() << " of " << ran
                                << " cases differ from PyTorch:\n"
                                << report;
  RecordProperty("cases", ran);
  if (skipped)
    std::cout << "[ note ] " << skipped
              << " cases skipped: PyTorch's result dtype (complex32) is not a tessera dtype\n";
}

INSTANTIATE_TEST_SUITE_P(Ops, TorchDiff, ::testing::ValuesIn(registered_ops()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n) {
                             if (ch == '.') ch = '_';
                           }
                           return n;
                         });

TEST(Promotion, MatchesTorchPromoteTypesForAllPairs) {
  int n = 0;
  for (const auto& row : torch_cases().at("promotion")) {
    const DType a = dtype_from_name(row[0].get<std::string>());
    const DType b = dtype_from_name(row[1].get<std::string>());
    EXPECT_EQ(name(promote_types(a, b)), row[2].get<std::string>()) << a << " with " << b;
    ++n;
  }
  EXPECT_EQ(n, 144);
}

TEST(Promotion, ResultTypeMatchesTorchWithZeroDimAndWrappedNumbers) {
  int n = 0;
  for (const auto& c : torch_cases().at("result_type")) {
    ResultTypeState s;
    for (const char* side : {"a", "b"}) {
      const auto& o = c.at(side);
      s.update(dtype_from_name(o[0].get<std::string>()), o[1].get<int64_t>(), o[2].get<bool>());
    }
    std::string expect = c.at("expect");
    if (expect == "complex32") expect = "complex64";  // tessera's nearest: it has no complex32
    EXPECT_EQ(name(*s.result()), expect) << c.dump();
    ++n;
  }
  EXPECT_GT(n, 300);
}

TEST(Printing, MatchesTorchRepr) {
  for (const auto& c : torch_cases().at("print")) {
    const Tensor t = decode_tensor(c);
    EXPECT_EQ(t.to_string(), c.at("repr").get<std::string>()) << "shape " << c.at("shape").dump();
  }
}

}  // namespace
}  // namespace tessera
