#pragma once
// The web pages of gan-train (<checkpoints_dir>/<name>/web/index.html: visuals per epoch and a
// loss plot) and gan-test (results/<name>/<phase>_<epoch>/index.html: input, output, ground truth
// and metrics per image). Plain HTML with an inline SVG plot: no scripts, no external files.
#include <filesystem>
#include <string>
#include <vector>

#include "train/loss_log.h"

namespace pigment::train {

struct HtmlImage {
  std::string label;
  std::string src;  // relative to the page
};

struct HtmlSection {
  std::string heading;
  std::vector<HtmlImage> images;
  std::string note;  // e.g. metrics, shown under the row (HTML-escaped)
};

std::string html_escape(const std::string& text);

// `intro_html` is inserted as is (e.g. the loss plot); everything else is escaped. Written
// atomically. `refresh_seconds` > 0 makes the browser reload the page (a run in progress).
void write_html_page(const std::filesystem::path& path, const std::string& title, const std::string& intro_html,
                     const std::vector<HtmlSection>& sections, int image_width, int refresh_seconds = 0);

// An SVG plot of the losses against the epoch, `width` wide: one panel per loss (a grid of panels
// `panel_height` high), each on its own y range, since losses differ in scale by orders of
// magnitude (G_L1 ≈ 10–30 beside GAN losses ≈ 0–2). Each panel draws the logged values faint with
// an exponential moving average over them, round ticks (1, 2 or 5 × 10^k apart) on both axes and
// the loss's name in its colour. Non-finite values are skipped; an empty history gives a short note.
std::string loss_plot_svg(const std::vector<LossPoint>& history, int width = 900, int panel_height = 180);

}  // namespace pigment::train
