/* microgradkr's network view: a network_state drawn as columns of neuron tiles and weight edges.
   window.mgkNetwork.draw(element, state, words, options) draws into element and returns
   {redraw(options)}; options: lang ('en'|'ko'), mode ('w'|'grad'|'update'|'act'), explain (per
   weight lines, or null), onUnit(name) for a click on a neuron; redraw({state: next}) draws the
   next step's state in place. The numbers are the state's. */
(function () {
  "use strict";
  var SVGNS = "http://www.w3.org/2000/svg";
  var POS = "#e8710a", NEG = "#0877bd", ZERO = "#bbbbbb", ROWS = 40, MAXW = 6;

  function el(tag, attrs, parent, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function fill(text, fields) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return k in fields ? fields[k] : m; });
  }
  // A number as Python's '%.4g' writes it (fmt.num): 4 significant digits, never '-0'.
  function num(v) {
    if (v === 0 || v === null || v === undefined) return v === 0 ? "0" : "?";
    var e = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(4)))));
    if (e < -4 || e >= 4) {
      var parts = v.toExponential(3).split("e");
      var m = parts[0].indexOf(".") >= 0 ? parts[0].replace(/0+$/, "").replace(/\.$/, "") : parts[0];
      var x = parseInt(parts[1], 10);
      return m + "e" + (x < 0 ? "-" : "+") + (Math.abs(x) < 10 ? "0" : "") + Math.abs(x);
    }
    var s = v.toPrecision(4);
    return s.indexOf(".") >= 0 ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
  }
  // A data point's class: two classes blue and orange (as Playground), more from a palette.
  var CLASSES = [NEG, POS, "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];
  function classColour(k) { return CLASSES[k % CLASSES.length]; }
  function colour(v) { return v > 0 ? POS : v < 0 ? NEG : ZERO; }
  // Edge width: 0.5 for 0, the layer's widest for its largest |value| (the legend says so);
  // a layer of many drawn edges has thinner ones, so that they stay apart.
  function widest(drawn) { return drawn > 128 ? MAXW / 2 : MAXW; }
  function widthOf(v, top, most) { return top > 0 ? 0.5 + (most - 0.5) * Math.abs(v) / top : 0.5; }

  // The value an edge (k -> j of layer l, 1-based) shows in a mode; null: not known.
  function edgeValue(state, l, j, k, mode) {
    var L = state.layers[l - 1];
    if (mode === "w") return L.w[j][k];
    if (mode === "grad") return L.grad_w ? L.grad_w[j][k] : null;
    if (mode === "update") return L.update_w ? L.update_w[j][k] : null;
    var a = state.acts ? state.acts[l - 1][k] : null;
    return a === null || L.w[j][k] === null ? null : L.w[j][k] * a;  // null * a would read 0
  }
  // The value a tile shows: its bias, dL/db, Δb or activation (an input: its value).
  function unitValue(state, c, j, mode) {
    if (mode === "act") return state.acts ? state.acts[c][j] : null;
    if (c === 0) return null;
    var L = state.layers[c - 1];
    var key = { w: "b", grad: "grad_b", update: "update_b" }[mode];
    return L[key] ? L[key][j] : null;
  }

  // Columns: inputs then layers; a column of more than ROWS units wraps into sub-columns.
  function layout(state, W, H) {
    var cols = state.sizes.length, top = 34, bottom = 70, side = 40;
    var slot = (W - 2 * side) / cols, heat = !!state.plane, out = [];
    state.sizes.forEach(function (n, c) {
      // inputs that are an image's pixels (784 = 28 x 28) are laid out as the image, row by row
      var square = c === 0 && n > ROWS && Math.pow(Math.round(Math.sqrt(n)), 2) === n;
      var rows = square ? Math.round(Math.sqrt(n)) : Math.min(n, ROWS), subs = square ? rows : Math.ceil(n / ROWS);
      var base = heat ? (c === cols - 1 ? 120 : 56) : 26;
      var room = n <= ROWS ? 13 : 0;  // a column that is not wrapped has its names under the tiles
      var s = Math.min(base, ((H - top - bottom) / rows - room) / 1.12, (slot * 0.55) / (subs * 1.25));
      var py = s * 1.12 + room, px = square ? py : s * 1.25, x0 = side + slot * (c + 0.5) - (subs * px - (px - s)) / 2;
      var y0 = top + (H - top - bottom - rows * py + (py - s)) / 2, pos = [];
      for (var u = 0; u < n; u++) {
        var r = square ? Math.floor(u / rows) : u % rows, q = square ? u % rows : Math.floor(u / rows);
        pos.push({ x: x0 + q * px, y: y0 + r * py, s: s });
      }
      out.push(pos);
    });
    return out;
  }

  // Per neuron, the `shown` inputs of largest |value| (all when shown >= inputs).
  function chosen(values, shown) {
    var idx = values.map(function (v, k) { return k; });
    if (shown >= values.length) return idx;
    idx.sort(function (a, b) { return Math.abs(values[b] || 0) - Math.abs(values[a] || 0) || a - b; });
    return idx.slice(0, shown).sort(function (a, b) { return a - b; });
  }

  function heatImage(cells, n, hue) {
    var cv = document.createElement("canvas");
    cv.width = cv.height = n;
    var g = cv.getContext("2d"), img = g.createImageData(n, n);
    var pos = [232, 113, 10], neg = [8, 119, 189];
    for (var i = 0; i < n * n; i++) {
      var v = cells[i] / 100, c = v >= 0 ? pos : neg, a = Math.min(1, Math.abs(v));
      for (var ch = 0; ch < 3; ch++) img.data[4 * i + ch] = Math.round(255 + (c[ch] - 255) * a);
      img.data[4 * i + 3] = 255;
    }
    g.putImageData(img, 0, 0);
    return cv.toDataURL();
  }
  // An input's own map over the plane: x0 grows to the right, x1 upwards.
  function inputCells(c, n) {
    var out = [];
    for (var r = 0; r < n; r++) {
      for (var q = 0; q < n; q++) out.push(Math.round(100 * (c === 0 ? 2 * q / (n - 1) - 1 : 1 - 2 * r / (n - 1))));
    }
    return out;
  }

  function draw(root, state, words, options) {
    var opts = { lang: "en", mode: "w", explain: null, onUnit: null };
    var svg, tip, legend, pos;
    function w(key) { return (words[opts.lang] || words.en)[key] || key; }

    function edgeTip(l, j, k, ev) {
      var names = state.names, name = names[l][j] + ".w" + k, L = state.layers[l - 1];
      var lines = [names[l - 1][k] + " → " + names[l][j]];
      lines.push(fill(w("weight"), { name: name, v: num(L.w[j][k]) }));
      lines.push(L.grad_w ? fill(w("grad"), { name: name, v: num(L.grad_w[j][k]) }) : w("no_grad"));
      if (L.update_w) lines.push(fill(w("update"), { name: name, v: num(L.update_w[j][k]) }));
      var signal = state.acts ? edgeValue(state, l, j, k, "act") : null;
      if (signal !== null) lines.push(fill(w("signal"), { name: name, src: names[l - 1][k], v: num(signal) }));
      if (state.kind === "tensor") lines.push(fill(w("element"), { k: k, j: j }));
      var ex = opts.explain && opts.explain[l - 1];
      if (!ex) lines.push(w("no_loss"));
      else if (ex.w) lines = lines.concat(ex.w[j][k][opts.lang]);
      else lines = lines.concat(ex.W[opts.lang]);
      show(lines, ev);
    }
    function unitTip(c, j, ev) {
      var name = state.names[c][j], lines = [name];
      if (c > 0) {
        var L = state.layers[c - 1], f = L.act === "linear" ? w("linear") : L.act;
        lines.push(fill(w("function"), { f: f }));
        lines.push(fill(w("bias"), { name: name + ".b", v: num(L.b[j]) }));
        if (L.grad_b) lines.push(fill(w("grad"), { name: name + ".b", v: num(L.grad_b[j]) }));
        if (L.update_b) lines.push(fill(w("update"), { name: name + ".b", v: num(L.update_b[j]) }));
      }
      if (state.acts) lines.push(fill(w("act"), { name: name, v: num(state.acts[c][j]) }));
      var ex = c > 0 && opts.explain && opts.explain[c - 1];
      if (ex && ex.b) lines = lines.concat(ex.b[j][opts.lang]);
      if (c > 0 && opts.onUnit) lines.push(opts.unitNote ? opts.unitNote(name, c) : w("click"));
      show(lines, ev);
    }
    function show(lines, ev) {
      tip.textContent = lines.join("\n");
      tip.hidden = false;
      var box = root.getBoundingClientRect(), x = ev.clientX - box.left + 14, y = ev.clientY - box.top + 14;
      tip.style.left = Math.min(x, Math.max(0, box.width - 580)) + "px";
      tip.style.top = Math.min(y, Math.max(0, box.height - 220)) + "px";
    }

    function render() {
      root.innerHTML = "";
      var W = root.clientWidth || 1200, H = root.clientHeight || 700;
      svg = el("svg", { width: W, height: H, "data-mode": opts.mode }, root);
      var gEdges = el("g", { class: "edges" }, svg), gUnits = el("g", { class: "units" }, svg);
      pos = layout(state, W, H);
      var notes = [];
      for (var l = 1; l < state.sizes.length; l++) {
        var L = state.layers[l - 1], nin = state.sizes[l - 1], top = 0, vals = [];
        for (var j = 0; j < state.sizes[l]; j++) {
          var row = [];
          for (var k = 0; k < nin; k++) {
            var v = edgeValue(state, l, j, k, opts.mode);
            row.push(v);
            if (v !== null) top = Math.max(top, Math.abs(v));
          }
          vals.push(row);
        }
        var most = widest(vals.length * Math.min(L.shown, nin));
        var gl = el("g", { class: "layer-edges", "data-l": l, "data-widest": most }, gEdges);
        for (j = 0; j < vals.length; j++) {
          chosen(vals[j], L.shown).forEach(function (k) { addEdge(gl, l, j, k, vals[j][k], top, most); });
        }
        if (L.shown < nin) {
          var share = (100 * (1 - L.shown / nin)).toFixed(1) + "%";
          notes.push(fill(w("hidden"), { layer: "L" + l, k: L.shown, n: nin, share: share }));
        }
      }
      state.sizes.forEach(function (n, c) { for (var j = 0; j < n; j++) drawUnit(gUnits, c, j); });
      if (state.points) drawPoints(gUnits);
      drawLegend(notes);
      svg.setAttribute("data-edges", gEdges.querySelectorAll(".edge").length);
    }

    // One edge k -> j of layer l (its own function: the listeners keep these l, j, k).
    function addEdge(parent, l, j, k, v, top, most) {
      var a = pos[l - 1][k], b = pos[l][j];
      var x1 = a.x + a.s, y1 = a.y + a.s / 2, x2 = b.x, y2 = b.y + b.s / 2, mx = (x1 + x2) / 2;
      var p = el("path", {
        class: "edge", d: "M" + x1 + "," + y1 + " C" + mx + "," + y1 + " " + mx + "," + y2 + " " + x2 + "," + y2,
        stroke: v === null ? ZERO : colour(v), "stroke-width": v === null ? 1.5 : widthOf(v, top, most),
        "stroke-opacity": v === null ? 0.5 : 0.35 + 0.65 * (top > 0 ? Math.abs(v) / top : 0),
        "data-l": l, "data-j": j, "data-k": k, "data-v": v === null ? "" : v,
      }, parent);
      if (v === null) p.setAttribute("stroke-dasharray", "3 3");
      p.addEventListener("mousemove", function (ev) { edgeTip(l, j, k, ev); });
      p.addEventListener("mouseleave", function () { tip.hidden = true; });
    }

    function drawUnit(parent, c, j) {
      var p = pos[c][j], name = state.names[c][j], s = p.s;
      var g = el("g", { class: "unit", "data-name": name, "data-c": c, "data-j": j, transform: "translate(" + p.x + "," + p.y + ")" }, parent);
      var v = unitValue(state, c, j, opts.mode), heat = state.plane && (c === 0 || state.layers[c - 1].heat);
      if (heat) {
        var n = Math.round(Math.sqrt(c === 0 ? 576 : state.layers[c - 1].heat[j].cells.length));
        var cells = c === 0 ? inputCells(j, n) : state.layers[c - 1].heat[j].cells;
        el("image", { href: heatImage(cells, n), width: s, height: s, preserveAspectRatio: "none" }, g);
        if (v !== null) el("rect", { class: "badge", x: s - 9, y: s - 9, width: 9, height: 9, fill: colour(v), stroke: "#fff" }, g);
        var b = state.plane, sx = state.x && (state.x[0] - b[0]) / (b[1] - b[0]), sy = state.x && (b[3] - state.x[1]) / (b[3] - b[2]);
        if (state.x && sx >= 0 && sx <= 1 && sy >= 0 && sy <= 1) {  // where the sample lies on the plane
          el("circle", { class: "sample", cx: s * sx, cy: s * sy, r: 2.5, fill: "none", stroke: "#111", "stroke-width": 1.2 }, g);
        }
      } else {
        var top = 0;
        for (var q = 0; q < state.sizes[c]; q++) top = Math.max(top, Math.abs(unitValue(state, c, q, opts.mode) || 0));
        var a = v === null || top === 0 ? 0 : Math.abs(v) / top;
        el("rect", { width: s, height: s, fill: v === null ? "#fff" : colour(v), "fill-opacity": 0.15 + 0.85 * a }, g);
      }
      el("rect", { class: "frame", width: s, height: s, "data-v": v === null ? "" : v }, g);
      if (state.sizes[c] <= ROWS) el("text", { x: s / 2, y: s + 11, "text-anchor": "middle" }, g, name);
      g.addEventListener("mousemove", function (ev) { unitTip(c, j, ev); });
      g.addEventListener("mouseleave", function () { tip.hidden = true; });
      g.addEventListener("click", function () { if (c > 0 && opts.onUnit) opts.onUnit(name, c, j); });
    }

    function drawPoints(parent) {
      var c = state.sizes.length - 1, b = state.plane;
      pos[c].forEach(function (p) {
        state.points.forEach(function (pt) {
          var x = p.x + p.s * (pt[0] - b[0]) / (b[1] - b[0]), y = p.y + p.s * (b[3] - pt[1]) / (b[3] - b[2]);
          el("circle", { cx: x, cy: y, r: 1.6, fill: classColour(pt[2]), stroke: "#fff", "stroke-width": 0.5, "pointer-events": "none" }, parent);
        });
      });
    }

    function drawLegend(notes) {
      legend = document.createElement("div");
      legend.className = "legend";
      var lines = [fill(w("numbering"), { x: "x0", n: "L2.n1", w: "L2.n1.w0" })];
      lines.push(w("colours"));
      legend.innerHTML = "";
      lines.concat(notes).forEach(function (t) { var d = document.createElement("div"); d.textContent = t; legend.appendChild(d); });
      root.appendChild(legend);
      tip = document.createElement("div");
      tip.className = "tip";
      tip.hidden = true;
      root.appendChild(tip);
    }

    // New options, or a new state ({state: network_state of the next step}): drawn again.
    function redraw(o) {
      for (var key in o || {}) {
        if (key === "state") state = o.state;
        else opts[key] = o[key];
      }
      render();
    }
    redraw(options);
    return { redraw: redraw, num: num };
  }

  window.mgkNetwork = { draw: draw, num: num, widthOf: widthOf, colours: { pos: POS, neg: NEG, zero: ZERO } };
})();
