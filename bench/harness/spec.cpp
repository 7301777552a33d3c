// Spec parsing and expansion.
#include "spec.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>

#include "core/error.h"
#include "ops.h"

namespace tessera::bench {

std::string Config::label() const {
  std::string s = op + " ";
  for (size_t i = 0; i < shapes.size(); ++i)
    s += fmt::format("{}[{}]", i ? "+" : "", fmt::join(shapes[i], ","));
  s += fmt::format(" {} t{}", name(dtype), threads);
  if (!params.empty()) s += " " + params.dump();
  return s;
}

namespace {

template <typename T>
T field(const nlohmann::json& j, const char* key, const std::string& where) {
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception& e) {
    detail::throw_error<Error>("spec: ", where, ": field '", key, "': ", e.what());
  }
}

}  // namespace

Spec parse_spec(const nlohmann::json& j) {
  TSR_CHECK(j.is_object(), "spec: expected a JSON object at the top");
  for (const auto& [k, v] : j.items()) {
    TSR_CHECK(k == "name" || k == "rounds" || k == "round_ms" || k == "benchmarks",
              "spec: unknown field '", k, "'");
  }
  Spec s;
  s.name = j.value("name", "unnamed");
  s.rounds = j.value("rounds", s.rounds);
  s.round_ms = j.value("round_ms", s.round_ms);
  TSR_CHECK(s.rounds >= 1 && s.rounds <= 1000, "spec: rounds must be in [1, 1000], got ", s.rounds);
  TSR_CHECK(s.round_ms > 0 && s.round_ms <= 10000, "spec: round_ms must be in (0, 10000], got ",
            s.round_ms);
  const auto& list = j.at("benchmarks");
  TSR_CHECK(list.is_array(), "spec: 'benchmarks' must be a list");
  for (size_t i = 0; i < list.size(); ++i) {
    const auto& b = list[i];
    std::string where = fmt::format("benchmarks[{}]", i);
    TSR_CHECK(b.is_object(), "spec: ", where, ": expected an object");
    for (const auto& [k, v] : b.items()) {
      TSR_CHECK(k == "op" || k == "inputs" || k == "params" || k == "dtypes" || k == "threads",
                "spec: ", where, ": unknown field '", k, "'");
    }
    // "op": one op or a list of ops sharing the other fields.
    std::vector<std::string> ops;
    if (b.contains("op") && b.at("op").is_array()) {
      ops = field<std::vector<std::string>>(b, "op", where);
      TSR_CHECK(!ops.empty(), "spec: ", where, ": 'op' must not be an empty list");
    } else {
      ops.push_back(field<std::string>(b, "op", where));
    }
    const std::string where_b = where;
    for (const std::string& op : ops) {
      where = where_b + " (" + op + ")";
      const OpInfo& info = op_info(op);  // throws for an unknown op
      const auto inputs = field<std::vector<std::vector<std::vector<int64_t>>>>(b, "inputs", where);
      const auto dtypes = field<std::vector<std::string>>(b, "dtypes", where);
      const auto threads = b.contains("threads") ? field<std::vector<int>>(b, "threads", where)
                                                 : std::vector<int>{1};
      std::vector<nlohmann::json> params{nlohmann::json::object()};
      if (b.contains("params")) {
        TSR_CHECK(b.at("params").is_array() && !b.at("params").empty(), "spec: ", where,
                  ": 'params' must be a non-empty list of objects");
        params.assign(b.at("params").begin(), b.at("params").end());
      }
      TSR_CHECK(!inputs.empty() && !dtypes.empty() && !threads.empty(), "spec: ", where,
                ": 'inputs', 'dtypes' and 'threads' must not be empty");
      for (const auto& shapes : inputs) {
        TSR_CHECK(static_cast<int>(shapes.size()) == info.arity, "spec: ", where, ": ", op,
                  " takes ", info.arity, " inputs, got ", shapes.size(), " shapes");
        for (const auto& shape : shapes) {
          int64_t n = 1;
          for (int64_t d : shape) {
            TSR_CHECK(d >= 0 && d <= (int64_t{1} << 32), "spec: ", where, ": bad size ", d);
            n *= d;
            TSR_CHECK(n <= (int64_t{1} << 31), "spec: ", where,
                      ": an input of more than 2^31 elements");
          }
        }
      }
      for (const auto& p : params) {
        TSR_CHECK(p.is_object(), "spec: ", where, ": each params entry must be an object");
        for (const auto& [k, v] : p.items()) {
          TSR_CHECK(std::find(info.params.begin(), info.params.end(), k) != info.params.end(),
                    "spec: ", where, ": ", op, " has no parameter '", k, "'");
        }
      }
      for (int t : threads)
        TSR_CHECK(t >= 1 && t <= 256, "spec: ", where, ": threads must be in [1, 256], got ", t);
      for (const auto& shapes : inputs) {
        for (const auto& p : params) {
          for (const auto& d : dtypes) {
            for (int t : threads) s.configs.push_back(Config{op, shapes, p, dtype_from_name(d), t});
          }
        }
      }
    }
  }
  return s;
}

Spec load_spec(const std::string& path) {
  std::ifstream f(path);
  TSR_CHECK(f.good(), "spec: cannot open '", path, "'");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::parse_error& e) {
    detail::throw_error<Error>("spec: '", path, "' is not valid JSON: ", e.what());
  }
  return parse_spec(j);
}

}  // namespace tessera::bench
