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

std::string loss_plot_svg(const std::vector<LossPoint>& history, int width, int height) {
  if (history.empty()) return "<p class=\"note\">No losses logged yet.</p>";
  // One series per loss name, in first-seen order.
  std::vector<std::string> names;
  std::map<std::string, std::vector<std::pair<double, double>>> series;
  double x0 = history.front().epoch, x1 = x0, y0 = 0, y1 = 0;
  bool first = true;
  for (const LossPoint& p : history)
    for (const auto& [name, value] : p.losses) {
      if (!std::isfinite(value)) continue;
      if (!series.count(name)) names.push_back(name);
      series[name].emplace_back(p.epoch, value);
      x0 = std::min(x0, p.epoch);
      x1 = std::max(x1, p.epoch);
      y0 = first ? value : std::min(y0, value);
      y1 = first ? value : std::max(y1, value);
      first = false;
    }
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;
  const double pad_l = 56, pad_r = 150, pad_t = 12, pad_b = 36;
  const double pw = width - pad_l - pad_r, ph = height - pad_t - pad_b;
  auto X = [&](double x) { return pad_l + (x - x0) / (x1 - x0) * pw; };
  auto Y = [&](double y) { return pad_t + (1 - (y - y0) / (y1 - y0)) * ph; };
  static const char* colors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" "
      "font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      width, height);
  // Axes with five ticks each.
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>\n", pad_l, pad_t,
                     pw, ph);
  for (int i = 0; i <= 4; ++i) {
    const double yv = y0 + (y1 - y0) * i / 4, xv = x0 + (x1 - x0) * i / 4;
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{:.3g}</text>\n", pad_l - 4, Y(yv) + 4, yv);
    svg += fmt::format("<line x1=\"{0:.1f}\" x2=\"{1:.1f}\" y1=\"{2:.1f}\" y2=\"{2:.1f}\" stroke=\"#eee\"/>\n", pad_l,
                       pad_l + pw, Y(yv));
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{:.3g}</text>\n", X(xv),
                       pad_t + ph + 14, xv);
  }
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\">epoch</text>\n", pad_l + pw / 2, height - 4);
  for (std::size_t k = 0; k < names.size(); ++k) {
    const char* color = colors[k % 10];
    std::string points;
    for (const auto& [x, y] : series[names[k]]) points += fmt::format("{:.1f},{:.1f} ", X(x), Y(y));
    svg += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" points=\"{}\"/>\n", color, points);
    svg += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"12\" height=\"3\" fill=\"{}\"/>", pad_l + pw + 12,
                       pad_t + 8 + 16 * static_cast<double>(k), color);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n", pad_l + pw + 30,
                       pad_t + 12 + 16 * static_cast<double>(k), html_escape(names[k]));
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace pigment::train
