// The training page's loss plot (train/html.h, loss_plot_svg): one panel per loss on its own
// range, ticks on round numbers, nothing non-finite in the SVG, the edge cases a run produces.
#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>
#include <string>
#include <vector>

#include "helpers.h"
#include "train/html.h"

using pigment::train::loss_plot_svg;
using pigment::train::LossPoint;

namespace {

struct Panel {
  std::string name;
  std::vector<double> y_ticks, x_ticks;
  std::string body;
};

// The panels of the SVG, in order, with their tick labels as numbers.
std::vector<Panel> panels_of(const std::string& svg) {
  static const std::regex panel(R"re(<g class="panel" data-loss="([^"]*)"[^>]*>([\s\S]*?)</g>)re");
  static const std::regex tick(R"re(<text class="(x|y)tick"[^>]*>([^<]*)</text>)re");
  std::vector<Panel> panels;
  for (auto p = std::sregex_iterator(svg.begin(), svg.end(), panel); p != std::sregex_iterator(); ++p) {
    Panel out{(*p)[1], {}, {}, (*p)[2]};
    for (auto t = std::sregex_iterator(out.body.begin(), out.body.end(), tick); t != std::sregex_iterator(); ++t)
      ((*t)[1] == "y" ? out.y_ticks : out.x_ticks).push_back(std::stod((*t)[2]));
    panels.push_back(out);
  }
  return panels;
}

// Ticks are round: evenly spaced by d = {1, 2, 5} × 10^k, each a whole multiple of d.
void check_round_ticks(const std::vector<double>& ticks) {
  REQUIRE(ticks.size() >= 2);
  const double d = ticks[1] - ticks[0];
  REQUIRE(d > 0);
  const double exponent = std::floor(std::log10(d) + 1e-9);
  const double mantissa = d / std::pow(10.0, exponent);
  INFO("tick spacing " << d);
  CHECK((std::fabs(mantissa - 1) < 1e-6 || std::fabs(mantissa - 2) < 1e-6 || std::fabs(mantissa - 5) < 1e-6));
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    INFO("tick " << ticks[i]);
    CHECK(std::fabs(ticks[i] - ticks[0] - static_cast<double>(i) * d) < 1e-6 * d);
    CHECK(std::fabs(ticks[i] / d - std::round(ticks[i] / d)) < 1e-6);
  }
}

bool has_non_finite_text(std::string svg) {
  std::transform(svg.begin(), svg.end(), svg.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return svg.find("nan") != std::string::npos || svg.find("inf") != std::string::npos;
}

// A pix2pix-like history: G_L1 ≈ 31 → 8 beside GAN losses ≈ 0–2, four points per epoch.
std::vector<LossPoint> pix2pix_history() {
  std::vector<LossPoint> h;
  for (int i = 0; i < 40; ++i) {
    const double e = 1 + i / 4.0;
    h.push_back({e, {{"G_GAN", 0.7 + 0.3 * std::sin(i)}, {"G_L1", 31 - 23 * i / 39.0},
                     {"D_real", 0.6 + 0.1 * std::cos(i)}, {"D_fake", 0.55}}});
  }
  return h;
}

}  // namespace

TEST_CASE("the loss plot has one panel per loss, each on its own round-numbered range", "[html][plot]") {
  const std::vector<LossPoint> history = pix2pix_history();
  const std::string svg = loss_plot_svg(history);
  const std::vector<Panel> panels = panels_of(svg);
  REQUIRE(panels.size() == 4);
  CHECK(panels[0].name == "G_GAN");
  CHECK(panels[1].name == "G_L1");
  CHECK(panels[2].name == "D_real");
  CHECK(panels[3].name == "D_fake");
  for (std::size_t k = 0; k < panels.size(); ++k) {
    INFO("panel " << panels[k].name);
    CHECK(panels[k].body.find(">" + panels[k].name + "</text>") != std::string::npos);  // its title
    check_round_ticks(panels[k].y_ticks);
    check_round_ticks(panels[k].x_ticks);
    // The y ticks span the loss's own values, not the largest loss's.
    double lo = 1e300, hi = -1e300;
    for (const LossPoint& p : history)
      for (const auto& [name, v] : p.losses)
        if (name == panels[k].name) lo = std::min(lo, v), hi = std::max(hi, v);
    CHECK(panels[k].y_ticks.front() <= lo);
    CHECK(panels[k].y_ticks.back() >= hi);
    CHECK(panels[k].y_ticks.back() - panels[k].y_ticks.front() <= 4 * std::max(hi - lo, 0.2 * std::fabs(hi)));
    CHECK(panels[k].x_ticks.front() >= 1.0);  // the epoch axis spans the logged epochs, 1 to 10.75
    CHECK(panels[k].x_ticks.back() <= 10.75);
    CHECK(panels[k].x_ticks.back() - panels[k].x_ticks.front() >= 4.875);
  }
  // Each loss keeps its colour: its title and its lines share it, and the panels differ.
  static const std::regex title_color(R"re(class="title"[^>]*fill="(#[0-9a-f]{6})")re");
  std::vector<std::string> colors;
  for (const Panel& p : panels) {
    std::smatch m;
    REQUIRE(std::regex_search(p.body, m, title_color));
    colors.push_back(m[1]);
    CHECK(p.body.find("class=\"smooth\" fill=\"none\" stroke=\"" + colors.back() + "\"") != std::string::npos);
  }
  std::sort(colors.begin(), colors.end());
  CHECK(std::unique(colors.begin(), colors.end()) == colors.end());
  CHECK_FALSE(has_non_finite_text(svg));
  CHECK(svg.find("<script") == std::string::npos);
}

TEST_CASE("the loss plot says so when nothing is logged yet", "[html][plot]") {
  CHECK(loss_plot_svg({}).find("No losses logged yet") != std::string::npos);
  CHECK(loss_plot_svg({{1.0, {}}}).find("No losses logged yet") != std::string::npos);
  CHECK(loss_plot_svg({}).find("<svg") == std::string::npos);
}

TEST_CASE("the loss plot handles one point, a constant loss and non-finite values", "[html][plot]") {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();

  SECTION("a single point: a dot on round axes around it") {
    const std::string svg = loss_plot_svg({{1.0, {{"G_GAN", 0.693}}}});
    const std::vector<Panel> panels = panels_of(svg);
    REQUIRE(panels.size() == 1);
    CHECK(panels[0].body.find("<circle") != std::string::npos);
    check_round_ticks(panels[0].y_ticks);
    check_round_ticks(panels[0].x_ticks);
    CHECK(panels[0].y_ticks.front() < 0.693);
    CHECK(panels[0].y_ticks.back() > 0.693);
    CHECK_FALSE(has_non_finite_text(svg));
  }
  SECTION("a constant loss, and a constant zero") {
    std::vector<LossPoint> h;
    for (int i = 0; i < 10; ++i) h.push_back({1 + i * 0.1, {{"D_fake", 2.5}, {"idt_A", 0.0}}});
    const std::string svg = loss_plot_svg(h);
    const std::vector<Panel> panels = panels_of(svg);
    REQUIRE(panels.size() == 2);
    for (const Panel& p : panels) {
      check_round_ticks(p.y_ticks);
      check_round_ticks(p.x_ticks);
    }
    CHECK(panels[0].y_ticks.front() < 2.5);
    CHECK(panels[0].y_ticks.back() > 2.5);
    CHECK(panels[1].y_ticks.front() < 0.0);
    CHECK(panels[1].y_ticks.back() > 0.0);
    CHECK_FALSE(has_non_finite_text(svg));
  }
  SECTION("NaN and infinity are skipped; a loss with no finite value keeps its panel and says so") {
    std::vector<LossPoint> h;
    for (int i = 0; i < 12; ++i)
      h.push_back({1 + i * 0.5, {{"G_A", i % 3 == 0 ? nan : 1.0 + i}, {"D_A", i % 4 == 1 ? inf : -0.5 * i},
                                 {"cycle_A", nan}}});
    h.push_back({nan, {{"G_A", 5.0}}});  // an unplaceable epoch too
    const std::string svg = loss_plot_svg(h);
    const std::vector<Panel> panels = panels_of(svg);
    REQUIRE(panels.size() == 3);
    check_round_ticks(panels[0].y_ticks);
    check_round_ticks(panels[1].y_ticks);
    CHECK(panels[0].y_ticks.back() >= 12.0);
    CHECK(panels[0].y_ticks.back() <= 20.0);  // the range comes from the finite values alone
    CHECK(panels[2].name == "cycle_A");
    CHECK(panels[2].body.find("no finite values") != std::string::npos);
    CHECK_FALSE(has_non_finite_text(svg));
  }
}

TEST_CASE("the loss plot replaces the points a resumed run logs again", "[html][plot]") {
  // Logged to epoch 3.5 (value 9), interrupted, resumed from a checkpoint at 3.0: 3.25 and 3.5
  // are logged again (value 1) and replace the old ones.
  const std::vector<LossPoint> h = {{3.0, {{"G_GAN", 9.0}}}, {3.25, {{"G_GAN", 9.0}}}, {3.5, {{"G_GAN", 9.0}}},
                                    {3.25, {{"G_GAN", 1.0}}}, {3.5, {{"G_GAN", 1.0}}}, {3.75, {{"G_GAN", 1.0}}}};
  const std::vector<Panel> panels = panels_of(loss_plot_svg(h));
  REQUIRE(panels.size() == 1);
  static const std::regex raw(R"re(class="raw"[^>]*points="([^"]*)")re");
  std::smatch m;
  REQUIRE(std::regex_search(panels[0].body, m, raw));
  const std::string points = m[1];
  CHECK(std::count(points.begin(), points.end(), ',') == 4);  // 3.0, then 3.25, 3.5 and 3.75 of the resume
}
