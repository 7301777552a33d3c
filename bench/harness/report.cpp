// JSON, CSV and HTML reports; run comparison.
#include "report.h"

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/error.h"

namespace tessera::bench {

nlohmann::json to_json(const RunResult& r) {
  nlohmann::json j;
  j["spec"] = r.spec_name;
  j["started"] = r.started;
  j["machine"] = r.machine;
  j["versions"] = r.versions;
  j["skipped"] = r.skipped;
  j["environment"] = r.environment;
  j["thread_settings"] = {
      {"tessera",
       "tessera::set_num_threads(threads): the OpenMP pool of tessera's kernels and oneDNN"},
      {"libtorch", "at::set_num_threads(threads)"},
      {"pytorch", "torch.set_num_threads(threads)"},
      {"onnxruntime",
       "intraOpNumThreads=threads, interOpNumThreads=1, sequential execution, intra-op "
       "spinning off (its idle threads would spin against the next framework's rounds)"},
  };
  j["roofline"] = {{"isa", r.roofline.isa},
                   {"fma_gflops", nlohmann::json::object()},
                   {"triad_gbps", nlohmann::json::object()}};
  for (const auto& [t, v] : r.roofline.fma_gflops)
    j["roofline"]["fma_gflops"][std::to_string(t)] = v;
  for (const auto& [t, v] : r.roofline.triad_gbps)
    j["roofline"]["triad_gbps"][std::to_string(t)] = v;
  j["overheads"] = nlohmann::json::array();
  for (const OverheadResult& o : r.overheads) {
    j["overheads"].push_back({{"framework", o.framework},
                              {"path", o.path},
                              {"median_ns", o.ns.median},
                              {"q1_ns", o.ns.q1},
                              {"q3_ns", o.ns.q3}});
  }
  j["results"] = nlohmann::json::array();
  for (const ConfigResult& c : r.configs) {
    for (const FrameworkResult& f : c.frameworks) {
      j["results"].push_back({
          {"label", c.config.label()},
          {"op", c.config.op},
          {"shapes", c.config.shapes},
          {"params", c.config.params},
          {"dtype", std::string(name(c.config.dtype))},
          {"threads", c.config.threads},
          {"framework", f.framework},
          {"ran", f.ran},
          {"ok", f.ok && f.ran},
          {"note", f.note},
          {"median_us", f.us.median},
          {"q1_us", f.us.q1},
          {"q3_us", f.us.q3},
          {"min_us", f.us.min},
          {"max_us", f.us.max},
          {"samples_us", f.samples_us},
          {"flops", c.flops},
          {"bytes", c.bytes},
          {"gbps", f.gbps},
          {"gflops", f.gflops},
          {"roofline_pct", f.roofline_pct},
          {"ratio_to_tessera", f.ratio_to_tessera},
      });
    }
  }
  return j;
}

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const std::map<std::string, std::string> kColors = {{"tessera", "#1b7837"},
                                                    {"libtorch", "#2166ac"},
                                                    {"pytorch", "#b2182b"},
                                                    {"onnxruntime", "#e08214"}};

std::string color(const std::string& fw) {
  auto it = kColors.find(fw);
  return it == kColors.end() ? "#777" : it->second;
}

// A horizontal grouped bar chart: one group per configuration, one bar per series.
// values[label][series]; a dashed reference line at `ref` when ref > 0.
std::string bar_chart(const std::string& title, const std::vector<std::string>& labels,
                      const std::vector<std::string>& series,
                      const std::map<std::string, std::map<std::string, double>>& values,
                      double ref, const std::string& unit, bool log_scale) {
  const int label_w = 330, chart_w = 520, bar_h = 9, gap = 8;
  const int group_h = static_cast<int>(series.size()) * bar_h + gap;
  const int height = 40 + static_cast<int>(labels.size()) * group_h + 30;
  double vmax = ref;
  double vmin = ref > 0 ? ref : 1e300;
  for (const auto& [l, m] : values) {
    for (const auto& [s, v] : m) {
      if (v > 0) {
        vmax = std::max(vmax, v);
        vmin = std::min(vmin, v);
      }
    }
  }
  if (vmax <= 0) vmax = 1;
  if (!(vmin < vmax)) vmin = vmax / 10;
  const double lo = log_scale ? std::log10(vmin) - 0.1 : 0,
               hi = log_scale ? std::log10(vmax) + 0.1 : vmax * 1.05;
  auto x = [&](double v) {
    const double t = log_scale ? (std::log10(std::max(v, vmin)) - lo) / (hi - lo) : v / hi;
    return label_w + std::clamp(t, 0.0, 1.0) * chart_w;
  };
  std::string svg = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{}' height='{}' font-family='sans-serif' "
      "font-size='11'>\n"
      "<text x='4' y='16' font-size='14' font-weight='bold'>{}</text>\n",
      label_w + chart_w + 120, height, esc(title));
  int lx = label_w;
  for (const std::string& s : series) {
    svg += fmt::format(
        "<rect x='{}' y='24' width='10' height='10' fill='{}'/><text x='{}' y='33'>{}</text>\n", lx,
        color(s), lx + 14, esc(s));
    lx += 110;
  }
  int y = 40;
  for (const std::string& l : labels) {
    svg += fmt::format("<text x='{}' y='{}' text-anchor='end'>{}</text>\n", label_w - 6,
                       y + group_h / 2, esc(l.size() > 52 ? l.substr(0, 50) + "…" : l));
    int by = y;
    for (const std::string& s : series) {
      auto it = values.find(l);
      const double v = it != values.end() && it->second.count(s) ? it->second.at(s) : 0;
      if (v > 0) {
        svg += fmt::format(
            "<rect x='{}' y='{}' width='{:.1f}' height='{}' fill='{}'><title>{} {}: "
            "{:.3g}{}</title></rect>\n",
            label_w, by, x(v) - label_w, bar_h - 1, color(s), esc(l), esc(s), v, unit);
        svg += fmt::format("<text x='{:.1f}' y='{}' font-size='9'>{:.3g}</text>\n", x(v) + 3,
                           by + bar_h - 1, v);
      }
      by += bar_h;
    }
    y += group_h;
  }
  if (ref > 0) {
    svg += fmt::format(
        "<line x1='{0:.1f}' x2='{0:.1f}' y1='38' y2='{1}' stroke='#000' stroke-dasharray='4 3'/>\n",
        x(ref), y);
    svg += fmt::format("<text x='{:.1f}' y='{}' text-anchor='middle'>{:g}{}</text>\n", x(ref),
                       y + 14, ref, unit);
  }
  return svg + "</svg>\n";
}

}  // namespace

std::string to_csv(const nlohmann::json& run) {
  std::string out =
      "label,op,dtype,threads,framework,ran,ok,median_us,q1_us,q3_us,min_us,max_us,gbps,gflops,"
      "roofline_pct,"
      "ratio_to_tessera,note\n";
  for (const auto& r : run.at("results")) {
    out += fmt::format(
        "{},{},{},{},{},{},{},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.3f},{:.3f},{:.2f},{:.4f},{}\n",
        csv_field(r.at("label")), r.at("op").get<std::string>(), r.at("dtype").get<std::string>(),
        r.at("threads").get<int>(), r.at("framework").get<std::string>(), r.at("ran").get<bool>(),
        r.at("ok").get<bool>(), r.at("median_us").get<double>(), r.at("q1_us").get<double>(),
        r.at("q3_us").get<double>(), r.at("min_us").get<double>(), r.at("max_us").get<double>(),
        r.at("gbps").get<double>(), r.at("gflops").get<double>(),
        r.at("roofline_pct").get<double>(), r.at("ratio_to_tessera").get<double>(),
        csv_field(r.at("note")));
  }
  return out;
}

std::string to_html(const nlohmann::json& run) {
  std::vector<std::string> labels, frameworks;
  std::map<std::string, std::map<std::string, double>> ratio, roof;
  std::set<std::string> seen_fw;
  for (const auto& r : run.at("results")) {
    const std::string l = r.at("label"), fw = r.at("framework");
    if (std::find(labels.begin(), labels.end(), l) == labels.end()) labels.push_back(l);
    if (seen_fw.insert(fw).second) frameworks.push_back(fw);
    if (!r.at("ran").get<bool>()) continue;
    roof[l][fw] = r.at("roofline_pct");
    if (fw != "tessera") ratio[l][fw] = r.at("ratio_to_tessera");
  }
  std::vector<std::string> peers;
  for (const auto& f : frameworks) {
    if (f != "tessera") peers.push_back(f);
  }
  std::string h =
      "<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>tessera op "
      "benchmark</title>\n<style>"
      "body{font-family:sans-serif;margin:20px;max-width:1100px}table{border-collapse:collapse;"
      "font-size:12px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}"
      "td:first-child,th:first-child{text-align:left}.bad{background:#fdd}</style></head><body>\n";
  h += fmt::format(
      "<h1>tessera op benchmark: {}</h1>\n<p>Started {} on {} ({} logical CPUs; {}).</p>\n",
      esc(run.at("spec")), esc(run.at("started")), esc(run["machine"].value("cpu", "?")),
      run["machine"].value("logical_cpus", 0), esc(run["machine"]["cpu_flags"].dump()));
  h += "<h2>Machine roofline (measured at the start of this run)</h2>\n<table><tr><th>threads</th>"
       "<th>FP32 FMA peak, GFLOP/s (" +
       esc(run["roofline"].value("isa", "")) + ")</th><th>triad bandwidth, GB/s</th></tr>\n";
  for (const auto& [t, v] : run["roofline"]["fma_gflops"].items()) {
    h += fmt::format("<tr><td>{}</td><td>{:.1f}</td><td>{:.1f}</td></tr>\n", t, v.get<double>(),
                     run["roofline"]["triad_gbps"].value(t, 0.0));
  }
  h += "</table>\n<h2>Per-call overhead: 1-element float32 "
       "add</h2>\n<table><tr><th>framework</th><th>path</th>"
       "<th>median ns</th><th>q1 ns</th><th>q3 ns</th></tr>\n";
  for (const auto& o : run.at("overheads")) {
    h += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{:.0f}</td><td>{:.0f}</td><td>{:.0f}</td></tr>\n",
        esc(o.at("framework")), esc(o.at("path")), o.at("median_ns").get<double>(),
        o.at("q1_ns").get<double>(), o.at("q3_ns").get<double>());
  }
  h += "</table>\n";
  if (!run.at("skipped").empty()) {
    h += "<h2>Skipped</h2><ul>\n";
    for (const auto& [k, v] : run.at("skipped").items())
      h += "<li>" + esc(k) + ": " + esc(v.get<std::string>()) + "</li>\n";
    h += "</ul>\n";
  }
  h += "<h2>Peer time / tessera time (above 1: tessera is faster)</h2>\n";
  h += bar_chart("median time of each peer / tessera's, log scale", labels, peers, ratio, 1.0, "x",
                 true);
  h += "<h2>% of the machine's roofline</h2>\n";
  h += bar_chart("GB/s over triad bandwidth (GFLOP/s over FMA peak for matmul)", labels, frameworks,
                 roof, 0, "%", false);
  h += "<h2>All figures</h2>\n<table><tr><th>configuration</th><th>framework</th><th>median "
       "us</th><th>q1</th>"
       "<th>q3</th><th>GB/s</th><th>GFLOP/s</th><th>% "
       "roofline</th><th>ratio</th><th>note</th></tr>\n";
  for (const auto& r : run.at("results")) {
    const bool bad = !r.at("ok").get<bool>();
    h += fmt::format(
        "<tr{}><td>{}</td><td>{}</td><td>{:.3f}</td><td>{:.3f}</td><td>{:.3f}</td><td>{:.2f}</"
        "td><td>{:.2f}</td>"
        "<td>{:.1f}</td><td>{:.2f}</td><td>{}</td></tr>\n",
        bad ? " class='bad'" : "", esc(r.at("label")), esc(r.at("framework")),
        r.at("median_us").get<double>(), r.at("q1_us").get<double>(), r.at("q3_us").get<double>(),
        r.at("gbps").get<double>(), r.at("gflops").get<double>(),
        r.at("roofline_pct").get<double>(), r.at("ratio_to_tessera").get<double>(),
        esc(r.at("note")));
  }
  h += "</table>\n<h2>Versions and settings</h2>\n<pre>" + esc(run.at("versions").dump(2)) + "\n" +
       esc(run.at("environment").dump(2)) + "\n" + esc(run.at("thread_settings").dump(2)) +
       "</pre>\n</body></html>\n";
  return h;
}

void write_outputs(const RunResult& r, const std::string& dir) {
  std::filesystem::create_directories(dir);
  const nlohmann::json j = to_json(r);
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream f(std::filesystem::path(dir) / name);
    f << text;
    TSR_CHECK(f.good(), "bench: cannot write ", dir, "/", name);
  };
  write("results.json", j.dump(1));
  write("results.csv", to_csv(j));
  write("report.html", to_html(j));
}

Comparison compare_runs(const nlohmann::json& old_run, const nlohmann::json& new_run) {
  std::map<std::string, nlohmann::json> old_by;
  for (const auto& r : old_run.at("results")) {
    if (r.at("framework") == "tessera" && r.at("ran").get<bool>()) old_by[r.at("label")] = r;
  }
  Comparison c;
  c.text = fmt::format("{:<60} {:>12} {:>12} {:>8}  verdict\n", "configuration (tessera)", "old us",
                       "new us", "change");
  for (const auto& r : new_run.at("results")) {
    if (r.at("framework") != "tessera" || !r.at("ran").get<bool>()) continue;
    auto it = old_by.find(r.at("label"));
    if (it == old_by.end()) continue;
    ++c.common;
    const double o = it->second.at("median_us"), n = r.at("median_us");
    const double change = o > 0 ? n / o - 1 : 0;
    std::string verdict = "same (within noise)";
    if (change > 0.10 && n > it->second.at("q3_us").get<double>()) {
      verdict = "REGRESSION";
      ++c.regressions;
    } else if (change < -0.10 && n < it->second.at("q1_us").get<double>()) {
      verdict = "improvement";
      ++c.improvements;
    }
    const std::string label = r.at("label");
    c.text += fmt::format("{:<60} {:>12.3f} {:>12.3f} {:>+7.1f}%  {}\n", label.substr(0, 60), o, n,
                          100 * change, verdict);
  }
  c.text += fmt::format(
      "{} configurations in both runs: {} regressions, {} improvements beyond the noise\n",
      c.common, c.regressions, c.improvements);
  return c;
}

}  // namespace tessera::bench
