// Writing benchmark results (JSON, CSV, self-contained HTML) and comparing two runs.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "harness.h"

namespace tessera::bench {

/// The whole run as JSON; "results" holds one record per configuration and framework.
nlohmann::json to_json(const RunResult& r);
/// One line per configuration and framework.
std::string to_csv(const nlohmann::json& run);
/// A self-contained page (inline SVG, no scripts) with the ratio and roofline charts.
std::string to_html(const nlohmann::json& run);
/// Writes results.json, results.csv and report.html into dir.
void write_outputs(const RunResult& r, const std::string& dir);

/// tessera's medians of two runs, configuration by configuration: a change counts when
/// it is over 10% and the new median lies outside the old run's quartiles.
struct Comparison {
  std::string text;  // a table of every common configuration
  int regressions = 0, improvements = 0, common = 0;
};
Comparison compare_runs(const nlohmann::json& old_run, const nlohmann::json& new_run);

}  // namespace tessera::bench
