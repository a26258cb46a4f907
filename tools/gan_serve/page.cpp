#include "tools/gan_serve/page.h"

namespace pigment::serve {

const char* const kPage = R"PAGE(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pigment — colorize</title>
<style>
  :root { --ink: #1d2430; --muted: #5b6472; --line: #d8dde5; --accent: #2f6fde; --bg: #f6f7f9; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--ink); background: var(--bg); }
  header { padding: 14px 24px; background: #fff; border-bottom: 1px solid var(--line); }
  header h1 { margin: 0; font-size: 20px; }
  header p { margin: 2px 0 0; color: var(--muted); }
  main { max-width: 1200px; margin: 0 auto; padding: 20px 24px 60px; }
  .panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin-bottom: 18px; }
  .row { display: flex; flex-wrap: wrap; gap: 14px; align-items: end; }
  label { display: flex; flex-direction: column; gap: 4px; font-size: 13px; color: var(--muted); }
  select, input[type=number] { font: inherit; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; }
  #drop { flex: 1 1 320px; border: 2px dashed var(--line); border-radius: 8px; padding: 18px; text-align: center;
          color: var(--muted); cursor: pointer; }
  #drop.over { border-color: var(--accent); color: var(--accent); }
  button { font: inherit; padding: 8px 18px; border: 0; border-radius: 6px; background: var(--accent); color: #fff; cursor: pointer; }
  button:disabled { opacity: 0.5; cursor: default; }
  #hint { color: #a24b00; }
  .result { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin-bottom: 18px; }
  .result h2 { margin: 0 0 10px; font-size: 16px; }
  .images { display: flex; flex-wrap: wrap; gap: 14px; }
  figure { margin: 0; max-width: 360px; }
  figure img { display: block; max-width: 360px; max-height: 360px; border-radius: 4px; }
  figcaption { font-size: 13px; color: var(--muted); margin-top: 4px; }
  .compare-row { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; margin-top: 14px; }
  .compare { display: grid; grid-template-columns: fit-content(560px); }  /* as wide as its image, at most 560px */
  .stack { position: relative; justify-self: start; line-height: 0; }  /* exactly the under image's box */
  .stack img { display: block; max-width: 100%; max-height: 560px; border-radius: 4px; }
  .stack .over { position: absolute; top: 0; left: 0; width: 100%; height: 100%; }
  .compare input[type=range] { width: 100%; margin: 6px 0 2px; }
  .compare select { font-size: 13px; padding: 2px 4px; }
  table { border-collapse: collapse; font-size: 14px; margin-top: 8px; }
  th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  .busy { color: var(--muted); }
  .spinner { display: inline-block; width: 12px; height: 12px; border: 2px solid var(--line); border-top-color: var(--accent);
             border-radius: 50%; animation: spin 0.8s linear infinite; vertical-align: -2px; margin-right: 6px; }
  @keyframes spin { to { transform: rotate(360deg); } }
  .error { color: #b3261e; }
  .alternatives figure { max-width: 220px; }
  .alternatives figure img { max-width: 220px; max-height: 220px; }
  .memory-only[hidden] { display: none; }
</style>
</head>
<body>
<header>
  <h1>Pigment — colorize</h1>
  <p>Choose a photo, colorize it with a trained model, and compare with the original.</p>
</header>
<main>
  <section class="panel">
    <p id="hint" hidden></p>
    <div class="row">
      <label>Experiment<select id="experiment"></select></label>
      <label class="memory-only" hidden>Colorizations (memory slots)<input id="alternatives" type="number" min="1" max="8" value="1"></label>
      <label class="memory-only" hidden>Reference photo (optional)<input id="reference" type="file" accept="image/png,image/jpeg,image/bmp"></label>
      <div id="drop">Drop photos here, or click to choose<br><small>PNG, JPEG or BMP; several at once</small>
        <input id="files" type="file" accept="image/png,image/jpeg,image/bmp" multiple hidden></div>
      <button id="go" disabled>Colorize</button>
    </div>
    <p id="chosen" class="busy"></p>
  </section>
  <section id="results"></section>
</main>
<script>
const $ = (id) => document.getElementById(id);
let experiments = [], chosen = [];

function kindOf(name) { const e = experiments.find((x) => x.name === name); return e ? e.kind : ""; }
function refreshControls() {
  const memory = kindOf($("experiment").value) === "memory colorizer";
  document.querySelectorAll(".memory-only").forEach((el) => (el.hidden = !memory));
  $("go").disabled = chosen.length === 0 || experiments.length === 0;
}
async function loadExperiments() {
  const r = await fetch("/api/experiments");
  const j = await r.json();
  experiments = j.experiments;
  $("alternatives").max = j.max_alternatives;
  const sel = $("experiment");
  sel.innerHTML = "";
  for (const e of experiments) {
    const o = document.createElement("option");
    o.value = e.name;
    o.textContent = `${e.name} — ${e.kind}, ${e.netG}` + (e.step >= 0 ? `, ${e.step} images trained` : "");
    sel.appendChild(o);
  }
  if (j.hint) { $("hint").textContent = j.hint; $("hint").hidden = false; }
  refreshControls();
}
function choose(files) {
  chosen = Array.from(files).filter((f) => f.size > 0);
  $("chosen").textContent = chosen.length ? chosen.map((f) => f.name).join(", ") : "";
  refreshControls();
}
const drop = $("drop");
drop.addEventListener("click", () => $("files").click());
$("files").addEventListener("change", (e) => choose(e.target.files));
drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); choose(e.dataTransfer.files); });
$("experiment").addEventListener("change", refreshControls);

// Text from elsewhere (file names, training images' names) goes into the page as text, never as markup.
function esc(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}
function fmt(x, digits) { return x === undefined || x === null ? "—" : Number(x).toFixed(digits); }
function figure(url, caption, cls) {
  return `<figure class="${cls || ""}"><img src="${url}" alt="${esc(caption)}"><figcaption>${esc(caption)}</figcaption></figure>`;
}
function slider(j, main, inputLabel) {
  // A before/after wipe: the result over the original (or the gray input), clipped to the left of
  // the slider; both are the input's size, so one lies exactly on the other.
  const choices = (j.original ? [[j.original, "the original"]] : []).concat([[j.input, "the " + inputLabel]]);
  const options = choices.map(([url, label]) => `<option value="${url}">${label}</option>`).join("");
  return `<div class="compare"><div class="stack"><img class="under" src="${choices[0][0]}" alt="before">
      <img class="over" src="${main.url}" alt="${esc(main.label)}" style="clip-path: inset(0 50% 0 0)"></div>
    <input type="range" min="0" max="100" value="50" aria-label="before/after">
    <figcaption>← ${esc(main.label)} | <select aria-label="compare with">${options}</select> →</figcaption></div>`;
}
function wireSliders(root) {
  root.querySelectorAll(".compare").forEach((c) => {
    const over = c.querySelector(".over"), under = c.querySelector(".under");
    c.querySelector("input").addEventListener("input", (e) => (over.style.clipPath = `inset(0 ${100 - e.target.value}% 0 0)`));
    c.querySelector("select").addEventListener("change", (e) => (under.src = e.target.value));
  });
}
function metricsTable(j) {
  const rows = [];
  for (const m of j.metrics.outputs || [])
    rows.push(`<tr><td>${m.label}</td><td>${fmt(m.psnr, 2)}</td><td>${fmt(m.ssim, 4)}</td><td>${fmt(m.colorfulness, 1)}</td></tr>`);
  if (j.metrics.gray_baseline) {
    const g = j.metrics.gray_baseline;
    rows.push(`<tr><td>gray (a = b = 0)</td><td>${fmt(g.psnr, 2)}</td><td>${fmt(g.ssim, 4)}</td><td>${fmt(g.colorfulness, 1)}</td></tr>`);
  }
  if (j.metrics.original) rows.push(`<tr><td>original</td><td></td><td></td><td>${fmt(j.metrics.original.colorfulness, 1)}</td></tr>`);
  const note = j.original ? "against the original photo (the model saw it in gray)" : "no original to compare with: a gray photo";
  return `<table class="metrics"><tr><th></th><th>PSNR (dB)</th><th>SSIM</th><th>colorfulness</th></tr>${rows.join("")}</table>
    <figcaption>${note}</figcaption>`;
}
async function colorizeOne(file) {
  const card = document.createElement("div");
  card.className = "result";
  card.innerHTML = `<h2>${esc(file.name)}</h2><p class="busy"><span class="spinner"></span>colorizing… <span class="elapsed">0</span> s</p>`;
  $("results").prepend(card);
  const start = performance.now();
  const timer = setInterval(() => (card.querySelector(".elapsed").textContent = ((performance.now() - start) / 1000).toFixed(0)), 500);
  const form = new FormData();
  form.append("image", file, file.name);
  form.append("experiment", $("experiment").value);
  if (kindOf($("experiment").value) === "memory colorizer") {
    form.append("alternatives", $("alternatives").value);
    if ($("reference").files.length) form.append("reference", $("reference").files[0]);
  }
  let j, status;
  try {
    for (;;) {
      const r = await fetch("/api/colorize", { method: "POST", body: form });
      status = r.status;
      j = await r.json();
      if (status !== 503) break;  // busy: the queue is full; wait and ask again
      card.querySelector(".busy").innerHTML = `<span class="spinner"></span>the server is busy; waiting for a turn…`;
      await new Promise((ok) => setTimeout(ok, 1500));
    }
  } catch (e) {  // the server stopped, or answered something that is not JSON
    status = 0;
    j = { error: `no answer from gan-serve (${e.message}): is it still running?` };
  }
  clearInterval(timer);
  if (status !== 200) { card.innerHTML = `<h2>${esc(file.name)}</h2><p class="error">${esc(j.error)}</p>`; return; }
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  const main = j.outputs[0];
  const inputLabel = kindOf(j.experiment) === "translation" ? "input" : "gray input";
  let html = `<h2>${esc(file.name)} <small class="busy">— ${j.width}×${j.height}, ${seconds} s, ${esc(j.experiment)}</small></h2><div class="images">`;
  html += figure(j.input, inputLabel, "input");
  html += figure(main.url, main.label + (main.note ? ` — colours: ${main.note}` : ""), "output");
  if (j.original) html += figure(j.original, "original", "original");
  html += `</div><div class="compare-row">${slider(j, main, inputLabel)}<div>${metricsTable(j)}`;
  html += `<p><a class="download" href="${main.url}" download="${esc(main.label)}_${esc(file.name.replace(/\.[^.]*$/, ""))}.png">Download the result (${j.width}×${j.height})</a></p></div></div>`;
  if (j.outputs.length > 1) {
    html += `<h3>Alternatives</h3><div class="images alternatives">`;
    for (const o of j.outputs.slice(1)) html += figure(o.url, `${o.label}: ${o.note}`);
    html += `</div>`;
  }
  card.innerHTML = html;
  card.dataset.done = "1";
  wireSliders(card);
}
$("go").addEventListener("click", async () => {
  $("go").disabled = true;
  for (const f of chosen) await colorizeOne(f);  // one after another: the server runs one at a time anyway
  refreshControls();
});
loadExperiments();
</script>
</body>
</html>
)PAGE";

}  // namespace pigment::serve
