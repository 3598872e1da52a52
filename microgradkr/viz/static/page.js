/* microgradkr's interactive page: draws the scene embedded in the page, laid out by dagre.
   Reads only the scene (nodes, edges, steps, modules, legend) and the words of both languages;
   the numbers are the engine's, formatted in Python. No network, no eval of scene text. */
(function () {
  "use strict";
  var SCENE = JSON.parse(document.getElementById("mgk-scene").textContent);
  var WORDS = JSON.parse(document.getElementById("mgk-words").textContent);
  var OPTS = JSON.parse(document.getElementById("mgk-options").textContent);
  var SVGNS = "http://www.w3.org/2000/svg";
  var FONT = 13, SMALL = 12, LINE = 17, PAD = 6, MIN_SCALE = 0.92, MAX_LABELLED = 400;
  var FAMILY = getComputedStyle(document.body).fontFamily;
  var COLOURS = OPTS.colours;
  var state = {
    step: OPTS.step, lang: SCENE.lang, collapsed: {}, scale: 1, tx: 0, ty: 0,
    selected: null,
  };
  OPTS.collapsed.forEach(function (m) { state.collapsed[m] = true; });
  var N = SCENE.nodes, E = SCENE.edges, S = SCENE.steps, M = SCENE.modules;
  var svg = document.getElementById("canvas");
  var view = document.getElementById("viewport");
  var shown = { nodes: {}, edges: {}, boxes: {} };
  var ctx = document.createElement("canvas").getContext("2d");

  function w(key) { return WORDS[state.lang][key] || WORDS.en[key] || key; }
  function fill(text, fields) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return k in fields ? fields[k] : m; });
  }
  function width(text, bold, size) {
    ctx.font = (bold ? "bold " : "") + (size || FONT) + "px " + FAMILY;
    return ctx.measureText(text).width;
  }
  function widest(texts, bold, size) {
    var m = 0;
    texts.forEach(function (t) { m = Math.max(m, width(t, bold, size)); });
    return m;
  }
  function both(fn) { return ["en", "ko"].map(function (l) { return fn(WORDS[l] || WORDS.en); }); }
  function el(tag, attrs, parent, text) {
    var e = document.createElementNS(SVGNS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }

  // -- what is known at step k: built from the steps, exactly as gradients_after ----------
  function known(k) {
    var grads = {}, partial = {}, sent = {};
    if (SCENE.seed !== null && (S.length > 0 || !SCENE.tensors)) grads[SCENE.root] = SCENE.seed;
    for (var i = 0; i < k; i++) {
      S[i].edges.forEach(function (e) { sent[e] = true; });
      S[i].grads.forEach(function (g) { grads[g[0]] = g[1]; partial[g[0]] = g[2]; });
    }
    return { grads: grads, partial: partial, sent: sent, active: k > 0 ? S[k - 1] : null };
  }

  // -- which node stands for which: a node inside a collapsed module is that module's box ----
  function owner(n) {
    var m = N[n].module, top = null;
    while (m !== null && m !== undefined) {
      if (state.collapsed[m]) top = m;
      m = M[m].parent;
    }
    return top === null ? "n" + n : "m" + top;
  }

  function nodeLines(n) {
    var node = N[n], lines = [];
    if (node.shape) lines.push(["shape", "(" + node.shape.join(", ") + ")"]);
    node.data.split("\n").forEach(function (t, i) { lines.push(["data", t, i]); });
    if (!SCENE.tensors || node.explain) lines.push(["grad", ""]);
    return lines;
  }
  function gradTexts(n) {
    var out = [N[n].grad || "?"];
    S.forEach(function (s) { s.grads.forEach(function (g) { if (g[0] === n) out.push(g[1]); }); });
    return out;
  }
  function nodeSize(n) {
    var node = N[n], wd = width(node.name, true) + 2 * PAD, h = LINE + PAD;
    if (node.symbol) {
      var head = both(function (t) { return node.symbol + " " + node.detail + " " + t[node.pattern]; });
      wd = Math.max(wd, widest(head, true) + 2 * PAD);
      h += LINE;
    }
    var labels = both(function (t) { return t.data + " "; });
    nodeLines(n).forEach(function (l) {
      if (l[0] === "grad") {
        var texts = [];
        gradTexts(n).forEach(function (g) {
          both(function (t) { return t.grad + " " + g + " (" + t.so_far + ")"; })
            .forEach(function (x) { texts.push(x); });
        });
        wd = Math.max(wd, widest(texts) + 2 * PAD);
      } else {
        wd = Math.max(wd, widest(labels) + width(l[1]) + 2 * PAD);
      }
      h += LINE;
    });
    return { width: Math.ceil(wd), height: h };
  }
  function edgeLabelSize(e) {
    var texts = both(function (t) { return (SCENE.tensors ? t.vjp : t.local) + " " + E[e].local; });
    texts = texts.concat(both(function (t) { return t.global + " " + (E[e].sent || E[e].up || "?"); }));
    var lines = 2 + (E[e].summed ? 1 : 0) + (E[e].check && E[e].check !== "ok" ? 1 : 0);
    return { width: Math.ceil(widest(texts, false, SMALL)) + 6, height: lines * 15 + 2 };
  }

  // -- layout: dagre on the visible graph -------------------------------------------------
  function layout() {
    var g = new dagre.graphlib.Graph({ compound: OPTS.compound, multigraph: true });
    g.setGraph({ rankdir: OPTS.rankdir, nodesep: 18, ranksep: 46, edgesep: 8, marginx: 20, marginy: 20 });
    g.setDefaultEdgeLabel(function () { return {}; });
    var seen = {}, drawn = {}, list = [];
    N.forEach(function (node, n) {
      var id = owner(n);
      if (seen[id]) return;
      seen[id] = true;
      if (id[0] === "n") g.setNode(id, nodeSize(n));
      else g.setNode(id, boxSize(+id.slice(1)));
    });
    var labelled = E.length <= MAX_LABELLED;
    E.forEach(function (e) {
      var a = owner(e.src), b = owner(e.dst);
      if (a === b) return;
      var key = a + ">" + b;
      if (a[0] === "m" || b[0] === "m") {
        if (drawn[key]) { drawn[key].ids.push(e.id); return; }
      }
      var item = { key: key + "#" + e.id, a: a, b: b, ids: [e.id] };
      drawn[key] = item;
      list.push(item);
    });
    var boxes = list.filter(function (it) { return it.a[0] === "m" && it.b[0] === "m"; }).length;
    if (boxes > 20) g.graph().ranksep = 200;  // dense layers of folded neurons: room for the fan
    list.forEach(function (item) {
      var lab = labelled && item.a[0] === "n" && item.b[0] === "n" ? edgeLabelSize(item.ids[0]) : { width: 0, height: 0 };
      g.setEdge(item.a, item.b, { width: lab.width, height: lab.height, labelpos: "c", minlen: 1 }, item.key);
    });
    if (!OPTS.compound) { dagre.layout(g); return { g: g, edges: list, labelled: labelled }; }
    // expanded modules with something visible in them are clusters
    M.forEach(function (m, i) {
      if (hiddenModule(i)) return;
      g.setNode("c" + i, { label: m.name });
    });
    M.forEach(function (m, i) {
      if (hiddenModule(i)) return;
      if (m.parent !== null && !hiddenModule(m.parent)) g.setParent("c" + i, "c" + m.parent);
    });
    N.forEach(function (node, n) {
      var id = owner(n);
      if (id[0] === "n" && node.module !== null && node.module !== undefined) g.setParent(id, "c" + node.module);
    });
    M.forEach(function (m, i) {
      if (state.collapsed[i] && !insideCollapsed(i) && m.parent !== null && !hiddenModule(m.parent)) {
        g.setParent("m" + i, "c" + m.parent);
      }
    });
    // clusters that hold nothing are dropped (dagre would draw them as zero-size nodes)
    for (var i = M.length - 1; i >= 0; i--) {
      if (g.hasNode("c" + i) && g.children("c" + i).length === 0) g.removeNode("c" + i);
    }
    dagre.layout(g);
    return { g: g, edges: list, labelled: labelled };
  }
  function insideCollapsed(i) {
    var m = M[i].parent;
    while (m !== null && m !== undefined) { if (state.collapsed[m]) return true; m = M[m].parent; }
    return false;
  }
  function hiddenModule(i) { return state.collapsed[i] || insideCollapsed(i); }
  function moduleName(i) { return M[i].name + (M[i].tag ? " · " + M[i].tag : ""); }
  function boxSize(i) {
    var m = M[i], wd = width(moduleName(i), true) + 2 * PAD + 16, h = LINE + PAD;
    if (m.out !== null) {
      var texts = both(function (t) { return t.data + " " + N[m.out].data; });
      gradTexts(m.out).forEach(function (gt) {
        texts = texts.concat(both(function (t) { return t.grad + " " + gt + " (" + t.so_far + ")"; }));
      });
      wd = Math.max(wd, widest(texts) + 2 * PAD);
      h += 2 * LINE;
    }
    return { width: Math.ceil(wd), height: h };
  }

  // -- drawing ----------------------------------------------------------------------------
  function curve(points) {
    var d = "M" + points[0].x + "," + points[0].y;
    if (points.length === 2) return d + " L" + points[1].x + "," + points[1].y;
    for (var i = 1; i < points.length - 1; i++) {
      var mx = (points[i].x + points[i + 1].x) / 2, my = (points[i].y + points[i + 1].y) / 2;
      d += " Q" + points[i].x + "," + points[i].y + " " + (i === points.length - 2 ? points[i + 1].x + "," + points[i + 1].y : mx + "," + my);
    }
    return d;
  }
  function bezier(a, b) {
    // box to box (a folded module): side to side, as a textbook draws a dense layer
    var lr = OPTS.rankdir === "LR" || OPTS.rankdir === "RL", s = OPTS.rankdir === "RL" || OPTS.rankdir === "BT" ? -1 : 1;
    var x0 = lr ? a.x + s * a.width / 2 : a.x, y0 = lr ? a.y : a.y + s * a.height / 2;
    var x1 = lr ? b.x - s * b.width / 2 : b.x, y1 = lr ? b.y : b.y - s * b.height / 2;
    var mx = (x0 + x1) / 2, my = (y0 + y1) / 2;
    return lr ? "M" + x0 + "," + y0 + " C" + mx + "," + y0 + " " + mx + "," + y1 + " " + x1 + "," + y1
      : "M" + x0 + "," + y0 + " C" + x0 + "," + my + " " + x1 + "," + my + " " + x1 + "," + y1;
  }
  function draw() {
    var t0 = performance.now();
    var lay = layout(), g = lay.g;
    while (view.firstChild) view.removeChild(view.firstChild);
    shown = { nodes: {}, edges: {}, boxes: {}, size: g.graph() };
    var clusters = el("g", { "class": "clusters" }, view);
    var edges = el("g", { "class": "edges" }, view);
    var nodes = el("g", { "class": "nodes" }, view);
    if (!OPTS.compound) frames(g, clusters);
    g.nodes().forEach(function (id) {
      if (id[0] !== "c") return;
      var c = g.node(id), i = +id.slice(1);
      var grp = el("g", { "class": "cluster", "data-module": i }, clusters);
      el("rect", { x: c.x - c.width / 2, y: c.y - c.height / 2 - 14, width: c.width, height: c.height + 14, rx: 8 }, grp);
      var lab = el("text", { x: c.x - c.width / 2 + 6, y: c.y - c.height / 2 - 1, "class": "cluster-label" }, grp, "⊟ " + moduleName(i));
      lab.addEventListener("click", function (ev) { ev.stopPropagation(); toggle(i); });
    });
    lay.edges.forEach(function (item) {
      var e = g.edge(item.a, item.b, item.key);
      var grp = el("g", { "class": "edge", "data-edges": item.ids.join(" ") }, edges);
      var d = item.a[0] === "m" || item.b[0] === "m" ? bezier(g.node(item.a), g.node(item.b)) : curve(e.points);
      el("path", { d: d, "class": "line", "marker-end": "url(#arrow)" }, grp);
      el("path", { d: d, "class": "hit" }, grp);
      if (lay.labelled && e.width > 0) {
        var x = e.x - e.width / 2 + 3, y = e.y - e.height / 2 + 12;
        el("rect", { x: x - 2, y: e.y - e.height / 2, width: e.width - 2, height: e.height, "class": "lbg" }, grp);
        var tl = el("text", { x: x, y: y, "class": "elabel" }, grp);
        el("tspan", { x: x, "class": "local" }, tl);
        el("tspan", { x: x, dy: 15, "class": "global" }, tl);
        if (E[item.ids[0]].summed) el("tspan", { x: x, dy: 15, "class": "summed" }, tl);
        if (E[item.ids[0]].check && E[item.ids[0]].check !== "ok") el("tspan", { x: x, dy: 15, "class": "check" }, tl);
      }
      item.ids.forEach(function (k) { shown.edges[k] = grp; });
      grp.addEventListener("mouseenter", function () { showEdge(item.ids); });
      grp.addEventListener("click", function (ev) { ev.stopPropagation(); showEdge(item.ids); });
    });
    g.nodes().forEach(function (id) {
      if (id[0] === "c") return;
      var b = g.node(id);
      var x0 = b.x - b.width / 2, y0 = b.y - b.height / 2;
      if (id[0] === "m") return drawBox(nodes, +id.slice(1), x0, y0, b);
      var n = +id.slice(1), node = N[n];
      var grp = el("g", { "class": "node" + (node.op ? " gate" : "") + (node.built ? " built" : ""), "data-id": n, "data-name": node.name }, nodes);
      el("rect", { x: x0, y: y0, width: b.width, height: b.height, rx: 4, "class": "box" }, grp);
      var y = y0 + PAD / 2;
      if (node.symbol) {
        el("rect", { x: x0 + 1, y: y0 + 1, width: b.width - 2, height: LINE + 1, "class": "head", fill: COLOURS[node.pattern] || COLOURS.chain }, grp);
        var ht = el("text", { x: x0 + PAD, y: y + 12, "class": "headtext" }, grp);
        el("tspan", { "class": "sym" }, ht, node.symbol + (node.detail ? " " + node.detail : "") + " ");
        el("tspan", { "class": "pattern" }, ht);
        y += LINE;
      }
      el("text", { x: x0 + PAD, y: y + 13, "class": "name" }, grp, node.name);
      y += LINE;
      nodeLines(n).forEach(function (l) {
        var t = el("text", { x: x0 + PAD, y: y + 13, "class": "row " + l[0] }, grp);
        el("tspan", { "class": "key" }, t);
        el("tspan", { "class": l[0] === "grad" ? "gv" : "dv" }, t, l[1]);
        if (l[0] === "grad") el("tspan", { "class": "sofar" }, t);
        if (l[0] === "data" && l[2] > 0) t.firstChild.setAttribute("visibility", "hidden");
        y += LINE;
      });
      shown.nodes[n] = grp;
      grp.addEventListener("mouseenter", function () { showNode(n); });
      grp.addEventListener("click", function (ev) { ev.stopPropagation(); select(n); });
    });
    svg.querySelector("#arrow path").setAttribute("fill", "#555");
    update();
    translate();
    document.getElementById("layout-ms").textContent = Math.round(performance.now() - t0);
  }
  function frames(g, parent) {
    // an expanded module: a dashed frame around what is drawn of it, its name to fold it
    var bb = {};
    g.nodes().forEach(function (id) {
      var b = g.node(id), m = id[0] === "n" ? N[+id.slice(1)].module : M[+id.slice(1)].parent;
      while (m !== null && m !== undefined) {
        var r = bb[m] || (bb[m] = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity, depth: 0 });
        r.x0 = Math.min(r.x0, b.x - b.width / 2); r.x1 = Math.max(r.x1, b.x + b.width / 2);
        r.y0 = Math.min(r.y0, b.y - b.height / 2); r.y1 = Math.max(r.y1, b.y + b.height / 2);
        m = M[m].parent;
      }
    });
    Object.keys(bb).forEach(function (i) {
      var r = bb[i], depth = 0, m = M[i].parent;
      while (m !== null && m !== undefined) { depth++; m = M[m].parent; }
      var pad = 6 + 8 * (3 - Math.min(depth, 3));
      var grp = el("g", { "class": "cluster", "data-module": i }, parent);
      el("rect", { x: r.x0 - pad, y: r.y0 - pad - 14, width: r.x1 - r.x0 + 2 * pad, height: r.y1 - r.y0 + 2 * pad + 14, rx: 8 }, grp);
      var lab = el("text", { x: r.x0 - pad + 6, y: r.y0 - pad - 2, "class": "cluster-label" }, grp, "⊟ " + moduleName(+i));
      lab.addEventListener("click", function (ev) { ev.stopPropagation(); toggle(+i); });
    });
  }
  function drawBox(parent, i, x0, y0, b) {
    var m = M[i];
    var grp = el("g", { "class": "node modbox", "data-module": i }, parent);
    el("rect", { x: x0, y: y0, width: b.width, height: b.height, rx: 8, "class": "box" }, grp);
    el("text", { x: x0 + PAD, y: y0 + PAD / 2 + 13, "class": "name" }, grp, "⊞ " + moduleName(i));
    if (m.out !== null) {
      var t1 = el("text", { x: x0 + PAD, y: y0 + PAD / 2 + LINE + 13, "class": "row data" }, grp);
      el("tspan", { "class": "key" }, t1);
      el("tspan", { "class": "dv" }, t1, N[m.out].data);
      var t2 = el("text", { x: x0 + PAD, y: y0 + PAD / 2 + 2 * LINE + 13, "class": "row grad" }, grp);
      el("tspan", { "class": "key" }, t2);
      el("tspan", { "class": "gv" }, t2);
      el("tspan", { "class": "sofar" }, t2);
    }
    shown.boxes[i] = grp;
    grp.addEventListener("click", function (ev) { ev.stopPropagation(); toggle(i); });
  }

  // -- the moment shown: texts and highlights, no new layout ---------------------------------
  function update() {
    var k = known(state.step);
    setGrads(k);
    Object.keys(shown.edges).forEach(function (id) {
      var e = E[id], grp = shown.edges[id], ids = grp.getAttribute("data-edges").split(" ");
      var sent = ids.some(function (x) { return k.sent[x]; });
      grp.classList.toggle("unknown", !sent);
      grp.classList.toggle("lit", !!(k.active && k.active.edges.indexOf(+id) >= 0));
      grp.classList.toggle("bad", e.check === "bad");
      var lab = grp.querySelector(".elabel");
      if (!lab || +ids[0] !== +id) return;
      lab.querySelector(".local").textContent = (SCENE.tensors ? w("vjp") : w("local")) + " " + e.local;
      lab.querySelector(".global").textContent = e.no_grad ? w("no_grad") : w("global") + " " + (k.sent[id] ? e.sent : "?");
      var s = lab.querySelector(".summed");
      if (s) s.textContent = e.summed;
      var c = lab.querySelector(".check");
      if (c) c.textContent = checkText(e);
    });
    document.querySelectorAll(".node.gate").forEach(function (grp) {
      grp.classList.toggle("active", !!(k.active && k.active.node === +grp.getAttribute("data-id")));
      var n = +grp.getAttribute("data-id"), p = grp.querySelector(".pattern");
      p.textContent = w(N[n].pattern);
    });
    document.querySelectorAll(".row .key").forEach(function (t) {
      var row = t.parentNode;
      t.textContent = row.classList.contains("grad") ? w("grad") + " " : row.classList.contains("shape") ? w("shape") + " " : w("data") + " ";
    });
    document.getElementById("slider").value = state.step;
    document.getElementById("number").textContent = state.step;
    document.getElementById("title").textContent = title(k);
    if (state.selected !== null) explainPanel(state.selected);
  }
  function setGrads(k) {
    Object.keys(shown.nodes).forEach(function (n) {
      var grp = shown.nodes[n], gv = grp.querySelector(".gv");
      if (!gv) return;
      var g = k.grads[n];
      gv.textContent = g === undefined ? "?" : g;
      grp.querySelector(".sofar").textContent = g !== undefined && k.partial[n] ? " (" + w("so_far") + ")" : "";
      grp.classList.toggle("known", g !== undefined);
    });
    Object.keys(shown.boxes).forEach(function (i) {
      var m = M[i], gv = shown.boxes[i].querySelector(".gv");
      if (!gv) return;
      var g = k.grads[m.out];
      gv.textContent = g === undefined ? "?" : g;
      shown.boxes[i].querySelector(".sofar").textContent = g !== undefined && k.partial[m.out] ? " (" + w("so_far") + ")" : "";
    });
  }
  function checkText(e) {
    if (e.check === "bad") return fill(w("mismatch"), { n: e.numerical });
    if (e.check === "kink") return w("kink");
    if (e.check === "skip") return fill(w("unchecked"), { why: e.numerical });
    return "";
  }
  function title(k) {
    var root = N[SCENE.root].name;
    if (/[\/ ]/.test(root)) root = "(" + root + ")";
    if (SCENE.seed === null) return w("title_before");
    if (!k.active) return fill(w("title_step0"), { n: S.length, root: root, seed: SCENE.seed });
    return fill(w("title_step"), { k: state.step, n: S.length, gate: k.active.symbol, pattern: w(k.active.pattern), up: k.active.upstream });
  }

  // -- the panels: hover an edge or a node, click a value for its chain-rule sum ----------------
  function showEdge(ids) {
    var k = known(state.step), lines = [];
    ids.slice(0, 4).forEach(function (id) {
      var e = E[id], a = N[e.src].name, b = N[e.dst].name, root = N[SCENE.root].name;
      lines.push(a + " → " + N[e.dst].symbol + " → " + b);
      var up = k.sent[id] ? e.up : "?", glob = k.sent[id] ? e.sent : "?";
      if (SCENE.tensors) {
        lines.push(fill(w("page_edge_t"), { rule: e.local, up: up, g: glob, out: b, input: a, root: root }));
      } else {
        lines.push(fill(w("page_edge"), { local: e.local, up: up, g: glob, out: b, input: a, root: root }));
      }
      if (!k.sent[id]) lines.push(w("page_not_yet"));
      if (e.summed) lines.push(e.summed);
      if (e.check) lines.push(e.check === "ok" ? "✓" : checkText(e));
    });
    if (ids.length > 4) lines.push(fill(w("page_more_edges"), { n: ids.length - 4 }));
    setPanel("info", lines);
  }
  function showNode(n) {
    var node = N[n], k = known(state.step), lines = [node.name];
    if (node.shape) lines.push(w("shape") + " (" + node.shape.join(", ") + ")");
    lines.push(w("data") + " " + node.data);
    lines.push(w("grad") + " " + (k.grads[n] === undefined ? "?" : k.grads[n]));
    if (node.op) lines.push(fill(w("page_op"), { op: node.op, symbol: node.symbol, pattern: w(node.pattern) }));
    else lines.push(node.param ? w("page_param") : w("page_leaf"));
    lines.push(w("page_click"));
    setPanel("info", lines);
  }
  function select(n) {
    state.selected = n;
    document.querySelectorAll(".node.selected").forEach(function (x) { x.classList.remove("selected"); });
    if (shown.nodes[n]) shown.nodes[n].classList.add("selected");
    explainPanel(n);
  }
  function explainPanel(n) {
    var ex = N[n].explain, node = N[n].name, root = N[SCENE.root].name, lines = [];
    if (!ex) { setPanel("explain", [node + ": " + w("page_no_explain")]); return; }
    var f = { node: node, root: root, total: ex.total, sum: ex.sum };
    if (ex.kind !== "sum") lines.push(fill(w("ex_" + ex.kind), f));
    else {
      lines.push(fill(w(ex.uses.length > 1 ? "ex_head" : "ex_head1"), f));
      lines.push(ex.uses.length > 1 ? fill(w("ex_uses"), { n: ex.uses.length }) : w("ex_use1"));
      ex.uses.forEach(function (u, i) {
        lines.push("  " + fill(w(SCENE.tensors ? "ex_use_t" : "ex_use"), { i: i + 1, op: u[0], out: u[1], node: node, root: root, local: u[2], rule: u[2], up: u[3], c: u[4] }));
      });
      if (ex.paths.length) {
        lines.push(fill(w("ex_paths"), f));
        ex.paths.forEach(function (p) { lines.push("  " + p[0].join(" → ") + ": " + p[1].join(" × ") + " = " + p[2]); });
        if (ex.more) lines.push("  " + fill(w("ex_more"), { n: ex.more }));
      }
    }
    if (state.step < S.length) lines.push(w("page_final"));
    setPanel("explain", lines);
  }
  function setPanel(id, lines) {
    var box = document.getElementById(id);
    box.textContent = "";
    lines.forEach(function (l) { var d = document.createElement("div"); d.textContent = l; box.appendChild(d); });
    box.hidden = false;
  }

  // -- stepping, collapsing, language ---------------------------------------------------------
  function go(k) {
    state.step = Math.max(0, Math.min(S.length, k));
    update();
  }
  function anchor(i) {
    // where module i is drawn now (its box, or the first drawn node inside it), in graph units
    var g = shown.boxes[i], b;
    if (!g) {
      var ids = Object.keys(shown.nodes).filter(function (n) { return within(N[n].module, i); });
      g = ids.length ? shown.nodes[ids[0]] : null;
    }
    if (!g) return null;
    b = g.getBBox();
    return { x: b.x, y: b.y };
  }
  function within(m, i) {
    while (m !== null && m !== undefined) { if (m === i) return true; m = M[m].parent; }
    return false;
  }
  function toggle(i) {
    var before = anchor(i);
    if (state.collapsed[i]) delete state.collapsed[i];
    else state.collapsed[i] = true;
    draw();
    var after = anchor(i);
    if (before && after) {  // keep what was clicked where it was on the screen
      state.tx += (before.x - after.x) * state.scale;
      state.ty += (before.y - after.y) * state.scale;
      translate();
    }
  }
  function foldAll(fold) {
    state.collapsed = {};
    if (fold) M.forEach(function (m, i) { if (!m.children.length) state.collapsed[i] = true; });
    draw();
    fit(true);
  }
  function setLang(lang) {
    state.lang = lang;
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-word]").forEach(function (x) { x.textContent = w(x.getAttribute("data-word")); });
    document.querySelectorAll("[data-title]").forEach(function (x) { x.title = w(x.getAttribute("data-title")); });
    document.getElementById("lang").textContent = lang === "ko" ? "English" : "한국어";
    legend();
    update();
    if (state.selected !== null) explainPanel(state.selected);
  }
  function legend() {
    var box = document.getElementById("legend");
    box.textContent = "";
    var head = document.createElement("b");
    head.textContent = w("legend");
    head.onclick = function () { box.classList.toggle("folded"); };
    box.appendChild(head);
    SCENE.legend.forEach(function (r) {
      var d = document.createElement("div"), m = document.createElement("span");
      m.className = "mark";
      m.textContent = r[0] === "local" || r[0] === "global" || r[0] === "vjp" ? w(r[0]) : r[0];
      if (r[2] && r[1].indexOf("legend_" ) === 0 && COLOURS[r[1].slice(7)]) m.style.background = r[2];
      else if (r[2]) { m.style.color = r[2]; d.style.color = r[2]; }
      d.appendChild(m);
      d.appendChild(document.createTextNode(" " + w(r[1])));
      box.appendChild(d);
    });
  }

  // -- pan and zoom ------------------------------------------------------------------------------
  function translate() {
    if (shown.opened) document.getElementById("hint").hidden = true;  // moved: hint understood
    view.setAttribute("transform", "translate(" + state.tx + "," + state.ty + ") scale(" + state.scale + ")");
    document.getElementById("zoom").textContent = Math.round(state.scale * 100) + "%";
  }
  function fit(opening) {
    var s = shown.size, r = svg.getBoundingClientRect();
    var k = Math.min(r.width / s.width, r.height / s.height, 1.5);
    var hint = document.getElementById("hint");
    if (opening && k < MIN_SCALE) {
      // too big to read whole: open readable (labels >= 11 px), on the output, say how to move
      state.scale = MIN_SCALE;
      var root = shown.nodes[SCENE.root] || shown.boxes[N[SCENE.root].module];
      var b = root ? root.getBBox() : { x: s.width, y: s.height / 2, width: 0, height: 0 };
      state.tx = r.width - 40 - (b.x + b.width) * MIN_SCALE;
      state.ty = r.height / 2 - (b.y + b.height / 2) * MIN_SCALE;
      hint.hidden = false;
      document.getElementById("legend").classList.add("folded");
    } else {
      state.scale = k;
      state.tx = (r.width - s.width * k) / 2;
      state.ty = (r.height - s.height * k) / 2;
    }
    translate();
  }
  function zoom(f, cx, cy) {
    var r = svg.getBoundingClientRect();
    if (cx === undefined) { cx = r.width / 2; cy = r.height / 2; }
    var s = Math.max(0.05, Math.min(6, state.scale * f));
    state.tx = cx - (cx - state.tx) * s / state.scale;
    state.ty = cy - (cy - state.ty) * s / state.scale;
    state.scale = s;
    translate();
  }
  var drag = null;
  svg.addEventListener("pointerdown", function (ev) { drag = { x: ev.clientX, y: ev.clientY, tx: state.tx, ty: state.ty }; });
  window.addEventListener("pointermove", function (ev) {
    if (!drag) return;
    state.tx = drag.tx + ev.clientX - drag.x;
    state.ty = drag.ty + ev.clientY - drag.y;
    translate();
  });
  window.addEventListener("pointerup", function () { drag = null; });
  svg.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var r = svg.getBoundingClientRect();
    zoom(Math.exp(-ev.deltaY / 400), ev.clientX - r.left, ev.clientY - r.top);
  }, { passive: false });

  document.getElementById("prev").onclick = function () { go(state.step - 1); };
  document.getElementById("next").onclick = function () { go(state.step + 1); };
  document.getElementById("first").onclick = function () { go(0); };
  document.getElementById("last").onclick = function () { go(S.length); };
  document.getElementById("slider").addEventListener("input", function (ev) { go(+ev.target.value); });
  document.getElementById("zoom-in").onclick = function () { zoom(1.25); };
  document.getElementById("zoom-out").onclick = function () { zoom(0.8); };
  document.getElementById("fit").onclick = function () { fit(false); };
  document.getElementById("fold").onclick = function () { foldAll(true); };
  document.getElementById("unfold").onclick = function () { foldAll(false); };
  document.getElementById("fold").hidden = document.getElementById("unfold").hidden = !M.length;
  document.getElementById("lang").onclick = function () { setLang(state.lang === "ko" ? "en" : "ko"); };
  document.addEventListener("keydown", function (ev) {
    if (ev.target && ev.target.tagName === "INPUT" && ev.target.type !== "range") return;
    var keys = { ArrowRight: 1, ArrowLeft: -1 };
    if (ev.key in keys) { ev.preventDefault(); go(state.step + keys[ev.key]); }
    else if (ev.key === "Home") go(0);
    else if (ev.key === "End") go(S.length);
    else if (ev.key === "+" || ev.key === "=") zoom(1.25);
    else if (ev.key === "-") zoom(0.8);
    else if (ev.key === "f" || ev.key === "F") fit(false);
  });
  document.getElementById("slider").max = S.length;
  document.getElementById("total").textContent = S.length;
  draw();
  setLang(state.lang);
  fit(true);
  shown.opened = true;
  document.body.setAttribute("data-ready", "1");
})();
