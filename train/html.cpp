#include "train/html.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "engine/file_io.h"

namespace pigment::train {

std::string html_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

void write_html_page(const std::filesystem::path& path, const std::string& title, const std::string& intro_html,
                     const std::vector<HtmlSection>& sections, int image_width, int refresh_seconds) {
  std::string html = "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n";
  if (refresh_seconds > 0) html += fmt::format("<meta http-equiv=\"refresh\" content=\"{}\">\n", refresh_seconds);
  html += fmt::format("<title>{}</title>\n", html_escape(title));
  html += "<style>body{font-family:sans-serif;margin:1.5em;color:#222} h3{margin:1.2em 0 .3em}"
          "table{border-collapse:collapse} td{padding:4px;text-align:center;vertical-align:top;font-size:13px}"
          "img{image-rendering:pixelated;border:1px solid #ccc} .note{font-size:13px;color:#555}</style>\n";
  html += "</head>\n<body>\n";
  html += fmt::format("<h2>{}</h2>\n{}\n", html_escape(title), intro_html);
  for (const HtmlSection& s : sections) {
    html += fmt::format("<h3>{}</h3>\n<table><tr>\n", html_escape(s.heading));
    for (const HtmlImage& im : s.images)
      html += fmt::format("<td><a href=\"{0}\"><img src=\"{0}\" width=\"{1}\"></a><br>{2}</td>\n", html_escape(im.src),
                          image_width, html_escape(im.label));
    html += "</tr></table>\n";
    if (!s.note.empty()) html += fmt::format("<div class=\"note\">{}</div>\n", html_escape(s.note));
  }
  html += "</body>\n</html>\n";
  std::filesystem::create_directories(path.parent_path());
  write_file_atomically(path, std::as_bytes(std::span(html.data(), html.size())));
}

namespace {

// A value the plot can place: finite, and small enough that differences of two stay finite.
bool plottable(double v) { return std::isfinite(v) && std::fabs(v) < 1e100; }

// An axis on round numbers: ticks at k · step for whole k, step = {1, 2, 5} × 10^exponent, chosen
// so that about `intervals` steps cover [min, max] (Heckbert's "nice numbers"). The axis ends at
// the data (the ticks inside it) or at the ticks around the data.
enum class AxisEnds { at_data, at_ticks };

struct Axis {
  double lo = 0, hi = 1, step = 1;
  std::int64_t first_tick = 0, last_tick = 1;  // the ticks are k · step for k in [first_tick, last_tick]
  int decimals = 0;                            // enough to print every tick exactly
};

Axis round_axis(double min, double max, int intervals, AxisEnds ends) {
  if (max <= min) {  // one value: widen around it, by a tenth of it (1 around 0)
    const double pad = min != 0 ? std::fabs(min) * 0.1 : 1.0;
    min -= pad;
    max += pad;
  }
  const double raw = (max - min) / intervals;
  int exponent = static_cast<int>(std::floor(std::log10(raw)));
  const double fraction = raw / std::pow(10.0, exponent);  // in [1, 10)
  int mantissa = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  if (mantissa == 10) {
    mantissa = 1;
    ++exponent;
  }
  Axis a;
  a.step = mantissa * std::pow(10.0, exponent);
  a.decimals = std::max(0, -exponent);
  if (ends == AxisEnds::at_data) {
    // The step is at most 1.43 · raw, so 3 or more intervals leave at least two ticks inside.
    a.lo = min;
    a.hi = max;
    a.first_tick = static_cast<std::int64_t>(std::ceil(min / a.step));
    a.last_tick = static_cast<std::int64_t>(std::floor(max / a.step));
  } else {
    a.first_tick = static_cast<std::int64_t>(std::floor(min / a.step));
    a.last_tick = std::max(a.first_tick + 1, static_cast<std::int64_t>(std::ceil(max / a.step)));
    a.lo = static_cast<double>(a.first_tick) * a.step;
    a.hi = static_cast<double>(a.last_tick) * a.step;
  }
  return a;
}

std::string tick_label(const Axis& a, std::int64_t k) {
  return fmt::format("{:.{}f}", static_cast<double>(k) * a.step, a.decimals);
}

// Exponential moving average s_i = α·y_i + (1 − α)·s_{i−1}, s_0 = y_0. α = 2 / (span + 1) is the
// usual choice for an average over about `span` points.
std::vector<double> moving_average(const std::vector<std::pair<double, double>>& points, double span) {
  const double alpha = 2.0 / (span + 1.0);
  std::vector<double> s;
  for (const auto& [x, y] : points) s.push_back(s.empty() ? y : alpha * y + (1 - alpha) * s.back());
  return s;
}

}  // namespace

std::string loss_plot_svg(const std::vector<LossPoint>& history, int width, int panel_height) {
  // One series per loss name, in first-seen order. A resumed run logs again from its checkpoint's
  // epoch: a point at an epoch not after the last one replaces the points logged at or after it
  // (as TensorBoard purges the steps a restart repeats).
  std::vector<std::string> names;
  std::map<std::string, std::vector<std::pair<double, double>>> series;
  for (const LossPoint& p : history)
    for (const auto& [name, value] : p.losses) {
      auto [it, added] = series.try_emplace(name);
      if (added) names.push_back(name);
      if (!plottable(value) || !plottable(p.epoch)) continue;
      auto& points = it->second;
      while (!points.empty() && points.back().first >= p.epoch) points.pop_back();
      points.emplace_back(p.epoch, value);
    }
  if (names.empty()) return "<p class=\"note\">No losses logged yet.</p>";
  // The epochs the series kept (not those a resume replaced); 0 when none is finite.
  double x_min = 0, x_max = 0;
  bool any_x = false;
  for (const auto& [name, points] : series)
    for (const auto& [x, y] : points) {
      x_min = any_x ? std::min(x_min, x) : x;
      x_max = any_x ? std::max(x_max, x) : x;
      any_x = true;
    }

  // A grid of panels, each about 220 px wide, all on the same epoch axis.
  const int n = static_cast<int>(names.size());
  const int columns = std::clamp(width / 220, 1, n), rows = (n + columns - 1) / columns;
  const double panel_w = static_cast<double>(width) / columns, panel_h = panel_height;
  const double pad_l = 46, pad_r = 16, pad_t = 22, pad_b = 28;
  const double pw = panel_w - pad_l - pad_r, ph = panel_h - pad_t - pad_b;
  const double caption_h = 20;
  // Epochs span the panel's width; a loss's range is widened to round ticks at both ends.
  const Axis xa = round_axis(x_min, x_max, std::max(3, static_cast<int>(pw / 60)), AxisEnds::at_data);
  static const char* colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

  std::size_t most_points = 0;
  for (const auto& [name, points] : series) most_points = std::max(most_points, points.size());
  const double span = std::max(1.0, static_cast<double>(most_points) / 20);  // light: 5% of the points

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{:.0f}\" font-family=\"sans-serif\" "
      "font-size=\"10\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      width, rows * panel_h + caption_h);
  for (int k = 0; k < n; ++k) {
    const std::string& name = names[static_cast<std::size_t>(k)];
    const auto& points = series[name];
    const char* color = colors[k % 10];
    const double ox = (k % columns) * panel_w, oy = (k / columns) * panel_h;
    svg += fmt::format("<g class=\"panel\" data-loss=\"{}\" transform=\"translate({:.1f},{:.1f})\">\n",
                       html_escape(name), ox, oy);
    svg += fmt::format("<text class=\"title\" x=\"{:.1f}\" y=\"14\" font-size=\"12\" font-weight=\"bold\" "
                       "fill=\"{}\">{}</text>\n", pad_l, color, html_escape(name));
    svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#bbb\"/>\n",
                       pad_l, pad_t, pw, ph);
    if (points.empty()) {
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"#888\">no finite values"
                         "</text>\n</g>\n", pad_l + pw / 2, pad_t + ph / 2);
      continue;
    }
    double y_min = points.front().second, y_max = y_min;
    for (const auto& [x, y] : points) {
      y_min = std::min(y_min, y);
      y_max = std::max(y_max, y);
    }
    const Axis ya = round_axis(y_min, y_max, std::max(3, static_cast<int>(ph / 30)), AxisEnds::at_ticks);
    auto X = [&](double x) { return pad_l + (x - xa.lo) / (xa.hi - xa.lo) * pw; };
    auto Y = [&](double y) { return pad_t + (1 - (y - ya.lo) / (ya.hi - ya.lo)) * ph; };

    for (std::int64_t t = ya.first_tick; t <= ya.last_tick; ++t) {
      const double y = Y(static_cast<double>(t) * ya.step);
      svg += fmt::format("<line x1=\"{0}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#eee\"/>"
                         "<text class=\"ytick\" x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5}</text>\n",
                         pad_l, pad_l + pw, y, pad_l - 4, y + 3.5, tick_label(ya, t));
    }
    for (std::int64_t t = xa.first_tick; t <= xa.last_tick; ++t) {
      const double x = X(static_cast<double>(t) * xa.step);
      svg += fmt::format("<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1}\" y2=\"{2:.1f}\" stroke=\"#eee\"/>"
                         "<text class=\"xtick\" x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>\n",
                         x, pad_t, pad_t + ph, pad_t + ph + 13, tick_label(xa, t));
    }
    // The logged values faint, their moving average on top; a lone point as a dot.
    const std::vector<double> smooth = moving_average(points, span);
    std::string raw_line, smooth_line;
    for (std::size_t i = 0; i < points.size(); ++i) {
      raw_line += fmt::format("{:.1f},{:.1f} ", X(points[i].first), Y(points[i].second));
      smooth_line += fmt::format("{:.1f},{:.1f} ", X(points[i].first), Y(smooth[i]));
    }
    if (points.size() == 1)
      svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/>\n", X(points[0].first),
                         Y(points[0].second), color);
    svg += fmt::format("<polyline class=\"raw\" fill=\"none\" stroke=\"{0}\" stroke-opacity=\"0.25\" "
                       "stroke-width=\"1\" points=\"{1}\"/>\n<polyline class=\"smooth\" fill=\"none\" stroke=\"{0}\" "
                       "stroke-width=\"1.8\" points=\"{2}\"/>\n", color, raw_line, smooth_line);
    svg += fmt::format("<text class=\"last\" x=\"{:.1f}\" y=\"14\" text-anchor=\"end\" fill=\"#555\">{:.4g}</text>\n",
                       pad_l + pw, smooth.back());
    svg += "</g>\n";
  }
  const std::string caption =
      span >= 2 ? fmt::format("Faint: the logged values; line: their exponential moving average over about {:.0f} "
                              "points; top right: its last value.", span)
                : std::string("Line: the logged values (too few to smooth); top right: the last one.");
  svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" fill=\"#555\">x: epoch. {}</text>\n", pad_l,
                     rows * panel_h + caption_h - 6, caption);
  svg += "</svg>\n";
  return svg;
}

}  // namespace pigment::train
