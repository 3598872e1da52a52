/* microgradkr's interactive page: draws the scene embedded in the page, laid out by dagre.
   Reads only the scene (nodes, edges, steps, modules, legend) and the words of both languages;
   the numbers are the engine's, formatted in Python. No network, no eval of scene text.
   page.py puts this file and page_ui.js, in that order, inside one function. */
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
    selected: null, hovered: null,
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
  function both(fn) { return ["en", "ko"].map(function (l) { return fn(WORDS[l] || WORDS.en, l); }); }
  // A scene text made in the scene's language; a Tensor's VJP note and axes come in both.
  function tr(o, key, lang) {
    var b = o.by_lang && o.by_lang[lang || state.lang];
    return b && key in b ? b[key] : o[key];
  }
  // A number text: a large Tensor's norm is named in the language shown (the scene says its word).
  function nums(text, lang) {
    var t = WORDS[lang || state.lang] || WORDS.en;
    return text && SCENE.norm ? text.split(SCENE.norm).join(t.norm) : text;
  }
  function dataLines(n, lang) { return nums(N[n].data, lang).split("\n"); }
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

  // -- the paths from a value to the output, found on a click: shipped per node, they made a
  //    page quadratic in the graph (a chain's every node carries its whole path) -----------------
  var MAX_PATHS = 12, USERS = null, COUNTS = null;
  function users() {
    // each value's uses in forward order (the edges are in it), as explain() lists them
    if (!USERS) {
      USERS = N.map(function () { return []; });
      E.forEach(function (e) { USERS[e.src].push(e); });
    }
    return USERS;
  }
  function pathCounts() {
    // paths from each node to the root, exactly (BigInt): an edge's dst comes after its src
    if (!COUNTS) {
      COUNTS = N.map(function () { return BigInt(0); });
      COUNTS[SCENE.root] = BigInt(1);
      for (var i = E.length - 1; i >= 0; i--) COUNTS[E[i].src] += COUNTS[E[i].dst];
    }
    return COUNTS;
  }
  function exact(s) { return s === "inf" ? Infinity : s === "-inf" ? -Infinity : s === "nan" ? NaN : +s; }
  function paths(start) {
    // depth first, as explain(): the first MAX_PATHS, each entry linked to the one before it
    var entries = [[start, -1, 1]], stack = [0], out = [], u = users();
    while (stack.length && out.length < MAX_PATHS) {
      var at = stack.pop(), n = entries[at][0];
      if (n === SCENE.root) { out.push(pathAt(entries, at)); continue; }
      for (var i = u[n].length - 1; i >= 0; i--) {
        stack.push(entries.length);
        entries.push([u[n][i].dst, at, exact(u[n][i].exact)]);
      }
    }
    return { paths: out, more: pathCounts()[start] - BigInt(out.length) };
  }
  function pathAt(entries, at) {
    var names = [], factors = [], product = 1;
    for (; at >= 0; at = entries[at][1]) { names.push(N[entries[at][0]].name); factors.push(entries[at][2]); }
    factors.pop();  // the start's entry has no edge into it
    names.reverse(); factors.reverse();
    factors.forEach(function (f) { product *= f; });
    return [names, factors.map(function (f) { return f >= 0 ? num(f) : "(" + num(f) + ")"; }), num(product)];
  }
  function num(x) {
    // Python's f"{x:.{p}g}", never "-0": the page's products read as the scene's numbers
    var p = SCENE.precision;
    if (x === 0) return "0";
    if (x !== x) return "nan";
    if (x < 0) return "-" + num(-x);
    if (x === Infinity) return "inf";
    var t = x.toExponential(p), d = t.slice(0, t.indexOf("e")).replace(".", "");
    // an exact tie (p + 1 digits, the last a 5) rounds to even, as Python; JS would round up
    if (+t === x && d.charAt(p) === "5" && +d.charAt(p - 1) % 2 === 0) {
      x = +(d.charAt(0) + "." + d.slice(1, p) + t.slice(t.indexOf("e")));
    }
    var e = x.toExponential(p - 1), exp = +e.slice(e.indexOf("e") + 1), m;
    function trim(s) { return s.indexOf(".") < 0 ? s : s.replace(/0+$/, "").replace(/\.$/, ""); }
    if (exp < -4 || exp >= p) {
      m = trim(e.slice(0, e.indexOf("e")));
      return m + "e" + (exp < 0 ? "-" : "+") + (Math.abs(exp) < 10 ? "0" : "") + Math.abs(exp);
    }
    return trim(x.toFixed(Math.max(0, p - 1 - exp)));
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
    dataLines(n).forEach(function (t, i) { lines.push(["data", t, i]); });
    if (!SCENE.tensors || node.explain) lines.push(["grad", ""]);
    return lines;
  }
  var GRAD_TEXTS = null;
  function gradTexts(n) {
    // every text node n's gradient takes, step by step: one pass over the steps per page
    if (!GRAD_TEXTS) {
      GRAD_TEXTS = N.map(function (node) { return [node.grad || "?"]; });
      S.forEach(function (s) { s.grads.forEach(function (g) { GRAD_TEXTS[g[0]].push(g[1]); }); });
    }
    return GRAD_TEXTS[n];
  }
  function nodeSize(n) {
    var node = N[n], wd = width(node.name, true) + 2 * PAD, h = LINE + PAD;
    if (node.symbol) {
      var head = both(function (t, l) { return node.symbol + " " + tr(node, "detail", l) + " " + t[node.pattern]; });
      wd = Math.max(wd, widest(head, true) + 2 * PAD);
      h += LINE;
    }
    var labels = both(function (t) { return t.data + " "; });
    nodeLines(n).forEach(function (l) {
      if (l[0] === "grad") {
        var texts = [];
        gradTexts(n).forEach(function (g) {
          both(function (t, l) { return t.grad + " " + nums(g, l) + " (" + t.so_far + ")"; })
            .forEach(function (x) { texts.push(x); });
        });
        wd = Math.max(wd, widest(texts) + 2 * PAD);
      } else {
        wd = Math.max(wd, widest(labels) + widest(["en", "ko"].map(function (g) { return dataLines(n, g)[l[2]]; })) + 2 * PAD);
      }
      h += LINE;
    });
    return { width: Math.ceil(wd), height: h };
  }
  function lit(e) {
    // the step being shown spells out the chain rule on its edges, as the DOT pictures do
    return SCENE.tensors || !e.sent ? "" : " = " + e.up + " × " + e.local;
  }
  function edgeLabelSize(e) {
    var texts = both(function (t, l) { return (SCENE.tensors ? t.vjp : t.local) + " " + tr(E[e], "local", l); });
    texts = texts.concat(both(function (t, l) { return t.global + " " + (nums(E[e].sent, l) || "?") + lit(E[e]); }));
    if (E[e].summed) texts = texts.concat(both(function (t, l) { return fill(t.summed, { axes: tr(E[e], "summed", l) }); }));
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
    if (boxes > 20) {
      // dense layers of folded neurons: room for the fan; dagre puts a point of every edge in
      // the rank between two layers, so those points must pack tight or they spread the layer
      g.graph().ranksep = 200;
      g.graph().edgesep = 1;
    }
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
      var texts = both(function (t, l) { return t.data + " " + dataLines(m.out, l)[0]; });
      gradTexts(m.out).forEach(function (gt) {
        texts = texts.concat(both(function (t, l) { return t.grad + " " + nums(gt, l) + " (" + t.so_far + ")"; }));
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
        el("tspan", { "class": "sym" }, ht);
        el("tspan", { "class": "pattern" }, ht);
        y += LINE;
      }
      el("text", { x: x0 + PAD, y: y + 13, "class": "name" }, grp, node.name);
      y += LINE;
      nodeLines(n).forEach(function (l) {
        var t = el("text", { x: x0 + PAD, y: y + 13, "class": "row " + l[0] }, grp);
        el("tspan", { "class": "key" }, t);
        var v = el("tspan", { "class": l[0] === "grad" ? "gv" : "dv" }, t, l[1]);
        if (l[0] === "data") { v.setAttribute("data-node", n); v.setAttribute("data-line", l[2]); }
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
      el("tspan", { "class": "dv", "data-node": m.out, "data-line": 0 }, t1, dataLines(m.out)[0]);
      var t2 = el("text", { x: x0 + PAD, y: y0 + PAD / 2 + 2 * LINE + 13, "class": "row grad" }, grp);
      el("tspan", { "class": "key" }, t2);
      el("tspan", { "class": "gv" }, t2);
      el("tspan", { "class": "sofar" }, t2);
    }
    shown.boxes[i] = grp;
    grp.addEventListener("click", function (ev) { ev.stopPropagation(); toggle(i); });
  }

