// The training dashboard of watch(): loss and accuracy curves, the decision boundary, each
// layer's activation histogram and gradient norm (the pictures of DLfS ch.6). One function,
// mgkWatchDraw, draws a frame; the notebook widget (watch_widget.js) and the HTML replay
// (mgkWatchReplay) both call it. Every shown word comes from setup.words (the catalogue).
"use strict";

const MGK_NS = "http://www.w3.org/2000/svg";
const MGK_COLOURS = { train: "#2b6cb0", val: "#dd6b20", neg: [215, 25, 28], pos: [43, 131, 186] };
const MGK_CLASSES = [[215, 25, 28], [43, 131, 186], [26, 152, 80], [152, 78, 163], [255, 127, 0]];

function mgkNode(tag, attrs, parent, svg) {
  const el = svg ? document.createElementNS(MGK_NS, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
  if (parent) parent.append(el);
  return el;
}

function mgkSvg(parent, w, h) {
  // a viewBox and width 100%: the picture scales with the cell, never overflows it
  return mgkNode("svg", { viewBox: `0 0 ${w} ${h}`, class: "mgk-watch-svg" }, parent, true);
}

function mgkPanel(grid, title, cls) {
  const panel = mgkNode("div", { class: "mgk-watch-panel " + (cls || "") }, grid);
  const head = mgkNode("div", { class: "mgk-watch-title", title }, panel);  // whole on hover
  head.textContent = title;
  return panel;
}

function mgkText(svg, x, y, s, anchor, cls) {
  const t = mgkNode("text", { x, y, "text-anchor": anchor || "start", class: cls || "" }, svg, true);
  t.textContent = s;
  return t;
}

function mgkNum(v) {
  if (v === null || v === undefined) return "-";
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e4) ? v.toExponential(2) : String(+v.toPrecision(4));
}

// Lines over the steps: series = [{points: [[step, y]], colour, name}]; log: a log10 y axis.
function mgkLines(svg, series, lastStep, log) {
  const W = 300, H = 170, L = 44, R = 8, B = 22;
  const T = 8 + 11 * Math.ceil(series.length / 3);  // the keys sit above the plot, not on it
  const f = (y) => (log ? (y > 0 ? Math.log10(y) : null) : y);
  const ys = [];
  for (const s of series) for (const [, y] of s.points) if (y !== null && f(y) !== null) ys.push(f(y));
  let lo = ys.length ? Math.min(...ys) : 0, hi = ys.length ? Math.max(...ys) : 1;
  if (hi - lo < 1e-12) { lo -= 0.5; hi += 0.5; }
  const sx = (x) => L + ((x - 1) / Math.max(1, lastStep - 1)) * (W - L - R);
  const sy = (y) => T + (1 - (f(y) - lo) / (hi - lo)) * (H - T - B);
  mgkNode("rect", { x: L, y: T, width: W - L - R, height: H - T - B, class: "mgk-watch-axes" }, svg, true);
  const label = (v) => mgkNum(log ? Math.pow(10, v) : v);
  mgkText(svg, L - 3, T + 8, label(hi), "end", "mgk-watch-tick");
  mgkText(svg, L - 3, H - B, label(lo), "end", "mgk-watch-tick");
  mgkText(svg, L, H - 6, "1", "start", "mgk-watch-tick");
  mgkText(svg, W - R, H - 6, String(lastStep), "end", "mgk-watch-tick");
  series.forEach((s, i) => {
    let d = "", pen = "M";
    for (const [x, y] of s.points) {
      if (y === null || f(y) === null) { pen = "M"; continue; }  // a gap where the loss diverged
      d += `${pen}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`;
      pen = "L";
    }
    mgkNode("path", { d, stroke: s.colour, class: "mgk-watch-line", "data-name": s.name }, svg, true);
    mgkText(svg, L + 85 * (i % 3), 10 + 11 * Math.floor(i / 3), s.name, "start", "mgk-watch-key")
      .setAttribute("fill", s.colour);
  });
}

// The model's output on a grid as a heat map, the data points on top.
function mgkBoundary(svg, setup, grid) {
  const W = 300, H = 220, n = setup.grid, [x0, x1, y0, y1] = setup.box;
  const cw = W / n, ch = H / n;
  const g = mgkNode("g", { class: "mgk-watch-grid" }, svg, true);
  grid.forEach((v, k) => {
    if (v === null) return;
    let rgb, alpha;
    if (setup.classes > 2) { rgb = MGK_CLASSES[Math.floor(v) % MGK_CLASSES.length]; alpha = v % 1; }
    else { rgb = v < 0 ? MGK_COLOURS.neg : MGK_COLOURS.pos; alpha = Math.abs(v); }
    const a = 0.12 + 0.5 * alpha;  // mixed with white here: opaque cells overlap without seams
    const mix = rgb.map((c) => Math.round(255 + (c - 255) * a));
    mgkNode("rect", {
      x: ((k % n) * cw).toFixed(2), y: (Math.floor(k / n) * ch).toFixed(2),
      width: (cw + 0.3).toFixed(2), height: (ch + 0.3).toFixed(2), fill: `rgb(${mix.join(",")})`,
    }, g, true);
  });
  for (const [x, y, c] of setup.points) {
    const k = setup.classes > 2 ? MGK_CLASSES[c % MGK_CLASSES.length]
      : c > 0 ? MGK_COLOURS.pos : MGK_COLOURS.neg;
    mgkNode("circle", {
      cx: (((x - x0) / (x1 - x0)) * W).toFixed(1), cy: (((y1 - y) / (y1 - y0)) * H).toFixed(1),
      r: 2.6, fill: `rgb(${k.join(",")})`, class: "mgk-watch-point",
    }, svg, true);
  }
  svg.setAttribute("data-cells", String(g.childNodes.length));
}

function mgkHistogram(svg, hist, words) {
  const W = 300, H = 110, B = 16, n = hist.counts.length;
  const top = Math.max(1, ...hist.counts);
  hist.counts.forEach((c, i) => {
    const h = (c / top) * (H - B - 4);
    mgkNode("rect", { x: (i * W) / n + 0.5, y: H - B - h, width: W / n - 1, height: h, class: "mgk-watch-bar" }, svg, true);
  });
  mgkText(svg, 0, H - 3, mgkNum(hist.lo), "start", "mgk-watch-tick");
  mgkText(svg, W, H - 3, mgkNum(hist.hi), "end", "mgk-watch-tick");
  mgkText(svg, W / 2, H - 3, `${words.zeros} ${Math.round(100 * hist.zeros)}%`, "middle", "mgk-watch-tick");
}

// One frame into root: summaries are the frames so far, losses the loss of every stride-th
// step from step 1 (the widget thins a long curve; the replay keeps every step).
function mgkWatchDraw(root, setup, frame, losses, summaries, stride) {
  const every = stride || 1;
  const words = setup.words;
  const w = (k) => words[k];
  root.className = "mgk-watch";
  root.setAttribute("data-step", String(frame.step));
  root.setAttribute("data-loss", String(frame.loss));
  root.replaceChildren();
  const head = mgkNode("div", { class: "mgk-watch-head" }, root);
  const acc = frame.acc === null ? "" : ` · ${w("accuracy")} ${(100 * frame.acc).toFixed(1)}%`;
  head.textContent = `${w("title")} · ${w("step")} ${frame.step} · ${w("loss")} ${mgkNum(frame.loss)}${acc}`;
  const grid = mgkNode("div", { class: "mgk-watch-panels" }, root);
  const last = Math.max(frame.step, 2);

  const lossSeries = [{ name: w("train"), colour: MGK_COLOURS.train,
    points: losses.map((v, i) => [1 + i * every, v]).filter((p) => p[0] <= frame.step) }];
  if (setup.val) lossSeries.push({ name: w("val"), colour: MGK_COLOURS.val,
    points: summaries.map((s) => [s.step, s.val_loss]) });
  mgkLines(mgkSvg(mgkPanel(grid, w("loss"), "mgk-watch-loss"), 300, 170), lossSeries, last, false);

  if (frame.acc !== null) {
    const accSeries = [{ name: w("train"), colour: MGK_COLOURS.train, points: summaries.map((s) => [s.step, s.acc]) }];
    if (setup.val) accSeries.push({ name: w("val"), colour: MGK_COLOURS.val, points: summaries.map((s) => [s.step, s.val_acc]) });
    mgkLines(mgkSvg(mgkPanel(grid, w("accuracy")), 300, 170), accSeries, last, false);
  }
  if (frame.grid) {
    const svg = mgkSvg(mgkPanel(grid, w("boundary"), "mgk-watch-boundary-panel"), 300, 220);
    svg.classList.add("mgk-watch-boundary");
    mgkBoundary(svg, setup, frame.grid);
  }
  if (setup.grad_layers.length) {
    const hues = (i) => `hsl(${(210 + 50 * i) % 360},65%,42%)`;
    const series = setup.grad_layers.map((name, i) => ({ name, colour: hues(i),
      points: summaries.map((s) => [s.step, s.grads[i]]) }));
    mgkLines(mgkSvg(mgkPanel(grid, w("grad_norm"), "mgk-watch-grads"), 300, 170), series, last, true);
  }
  frame.hists.forEach((hist, i) => {
    const name = setup.hist_layers[i];
    let g = setup.grad_layers.indexOf(name);
    let owner = "";
    if (g < 0) {  // an activation: the gradient of the layer with weights before it
      const at = parseInt(name, 10);
      setup.grad_layers.forEach((n, j) => { if (parseInt(n, 10) < at) { g = j; owner = ` (${n})`; } });
    }
    const norm = g < 0 ? "" : ` · ‖∇‖ ${mgkNum(frame.grads[g])}${owner}`;
    const svg = mgkSvg(mgkPanel(grid, `${w("activations")} ${name}${norm}`, "mgk-watch-hist"), 300, 110);
    mgkHistogram(svg, hist, words);
  });
  // The network view (neurons as tiles, weights as edges: viz/network*.py) in its slot; the
  // overlay switch and the view live on across frames (root.mgkNet), redrawn with each frame.
  const slot = mgkNode("div", { class: "mgk-watch-network", "data-slot": "network" }, root);
  slot.hidden = !setup.network || !frame.net;
  if (!slot.hidden) mgkWatchNetwork(root, slot, setup, frame);
}

// A frame's network (per layer: w, g, u of every edge or of the edges at idx) as a
// network_state for mgkNetwork.draw: edges not sent are null (never drawn: shown per neuron).
function mgkWatchNetState(net, fnet) {
  const full = (vals, idx, rows, cols) => {
    if (!vals) return null;
    const flat = idx ? new Array(rows * cols).fill(null) : vals;
    if (idx) idx.forEach((f, i) => { flat[f] = vals[i]; });
    const out = [];
    for (let j = 0; j < rows; j++) out.push(flat.slice(j * cols, (j + 1) * cols));
    return out;
  };
  const layers = fnet.layers.map((L, i) => {
    const rows = net.sizes[i + 1], cols = net.sizes[i];
    return { act: net.acts[i], w: full(L.w, L.idx, rows, cols), b: L.b,
      grad_w: full(L.g, L.idx, rows, cols), grad_b: L.gb,
      update_w: full(L.u, L.idx, rows, cols), update_b: L.ub, shown: net.shown[i] };
  });
  const acts = net.x && fnet.acts ? [net.x, ...fnet.acts] : null;
  return { kind: net.kind, sizes: net.sizes, names: net.names, layers, acts, x: net.x,
    plane: null, points: null };
}

function mgkWatchNetwork(root, slot, setup, frame) {
  const net = setup.network, words = net.words[setup.lang] || net.words.en;
  const state = mgkWatchNetState(net, frame.net);
  let keep = root.mgkNet;
  if (!keep) {
    keep = root.mgkNet = { mode: "w", bar: mgkNode("div", { class: "mgk-watch-modes" }),
      el: mgkNode("div", { class: "mgk-net mgk-watch-net" }), view: null };
    const label = mgkNode("span", {}, keep.bar);
    label.textContent = words.overlay;
    for (const m of ["w", "grad", "update", "act"]) {
      const b = mgkNode("button", { type: "button", "data-mode": m }, keep.bar);
      b.textContent = words["mode_" + m];
      b.addEventListener("click", () => {
        keep.mode = m;
        keep.bar.querySelectorAll("button").forEach((x) => x.classList.toggle("on", x === b));
        keep.view.redraw({ mode: m });
      });
    }
    keep.bar.querySelector("button").classList.add("on");
  }
  const head = mgkNode("div", { class: "mgk-watch-title" }, slot);
  head.textContent = `${setup.words.network} · ${setup.words.step} ${frame.step}`;
  slot.append(keep.bar, keep.el);
  slot.setAttribute("data-step", String(frame.step));
  if (keep.view) keep.view.redraw({ state });
  else keep.view = window.mgkNetwork.draw(keep.el, state, net.words, { lang: setup.lang, mode: keep.mode });
}

// The replay page: every recorded frame, a scrubber to move between them.
function mgkWatchReplay(root, record) {
  const { setup, losses, frames } = record;
  const summaries = frames.map((f) => ({ step: f.step, loss: f.loss, acc: f.acc,
    val_loss: f.val_loss, val_acc: f.val_acc, grads: f.grads }));
  const bar = mgkNode("div", { class: "mgk-watch-scrub" }, root);
  const label = mgkNode("label", {}, bar);
  const range = mgkNode("input", { type: "range", min: "0", max: String(Math.max(0, frames.length - 1)),
    value: String(frames.length - 1), class: "mgk-watch-range" }, bar);
  const view = mgkNode("div", {}, root);
  const show = (i) => {
    label.textContent = `${setup.words.step} ${frames[i].step} / ${losses.length}`;
    mgkWatchDraw(view, setup, frames[i], losses, summaries.slice(0, i + 1));
  };
  range.addEventListener("input", () => show(Number(range.value)));
  if (frames.length) show(frames.length - 1);
  document.body.setAttribute("data-ready", "1");
}
