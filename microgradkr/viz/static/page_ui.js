  /* page.js, continued (page.py joins the two inside one function): what the page shows
     at each step, the panels, folding, language, pan and zoom. */
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
      lab.querySelector(".local").textContent = (SCENE.tensors ? w("vjp") : w("local")) + " " + tr(e, "local");
      var on = !!(k.active && k.active.edges.indexOf(+id) >= 0);
      lab.querySelector(".global").textContent = e.no_grad ? w("no_grad") : w("global") + " " + (k.sent[id] ? nums(e.sent) + (on ? lit(e) : "") : "?");
      var s = lab.querySelector(".summed");
      if (s) s.textContent = fill(w("summed"), { axes: tr(e, "summed") });
      var c = lab.querySelector(".check");
      if (c) c.textContent = checkText(e);
    });
    document.querySelectorAll(".node.gate").forEach(function (grp) {
      grp.classList.toggle("active", !!(k.active && k.active.node === +grp.getAttribute("data-id")));
      var n = +grp.getAttribute("data-id"), p = grp.querySelector(".pattern"), detail = tr(N[n], "detail");
      grp.querySelector(".sym").textContent = N[n].symbol + (detail ? " " + detail : "") + " ";
      p.textContent = w(N[n].pattern);
    });
    document.querySelectorAll(".dv[data-node]").forEach(function (t) {
      t.textContent = dataLines(+t.getAttribute("data-node"))[+t.getAttribute("data-line")];
    });
    document.querySelectorAll(".row .key").forEach(function (t) {
      var row = t.parentNode;
      t.textContent = row.classList.contains("grad") ? w("grad") + " " : row.classList.contains("shape") ? w("shape") + " " : w("data") + " ";
    });
    document.getElementById("slider").value = state.step;
    document.getElementById("number").textContent = state.step;
    document.getElementById("title").textContent = title(k);
    if (state.selected !== null) explainPanel(state.selected);
    if (state.hovered) state.hovered();  // the info panel shows the gradient at this step
  }
  function setGrads(k) {
    Object.keys(shown.nodes).forEach(function (n) {
      var grp = shown.nodes[n], gv = grp.querySelector(".gv");
      if (!gv) return;
      var g = k.grads[n];
      gv.textContent = g === undefined ? "?" : nums(g);
      grp.querySelector(".sofar").textContent = g !== undefined && k.partial[n] ? " (" + w("so_far") + ")" : "";
      grp.classList.toggle("known", g !== undefined);
    });
    Object.keys(shown.boxes).forEach(function (i) {
      var m = M[i], gv = shown.boxes[i].querySelector(".gv");
      if (!gv) return;
      var g = k.grads[m.out];
      gv.textContent = g === undefined ? "?" : nums(g);
      shown.boxes[i].querySelector(".sofar").textContent = g !== undefined && k.partial[m.out] ? " (" + w("so_far") + ")" : "";
    });
  }
  function checkText(e) {
    if (e.check === "bad") return fill(w("mismatch"), { n: nums(e.numerical) });
    if (e.check === "kink") return w("kink");
    if (e.check === "skip") return fill(w("unchecked"), { why: e.numerical });
    return "";
  }
  function title(k) {
    var root = paren(N[SCENE.root].name);
    if (SCENE.seed === null) return w("title_before");
    if (!k.active) return fill(w("title_step0"), { n: S.length, root: root, seed: nums(SCENE.seed) });
    return fill(w("title_step"), { k: state.step, n: S.length, gate: k.active.symbol, pattern: w(k.active.pattern), up: nums(k.active.upstream) });
  }

  // -- the panels: hover an edge or a node, click a value for its chain-rule sum ----------------
  function paren(name) { return /[\/ ]/.test(name) ? "(" + name + ")" : name; }
  function showEdge(ids) {
    state.hovered = function () { showEdge(ids); };
    var k = known(state.step), lines = [];
    ids.slice(0, 4).forEach(function (id) {
      var e = E[id], a = paren(N[e.src].name), b = paren(N[e.dst].name), root = paren(N[SCENE.root].name);
      lines.push(N[e.src].name + " → " + N[e.dst].symbol + " → " + N[e.dst].name);
      var up = k.sent[id] ? nums(e.up) : "?", glob = k.sent[id] ? nums(e.sent) : "?";
      if (SCENE.tensors) {
        lines.push(fill(w("page_edge_t"), { rule: tr(e, "local"), up: up, g: glob, out: b, input: a, root: root }));
      } else {
        lines.push(fill(w("page_edge"), { local: e.local, up: up, g: glob, out: b, input: a, root: root }));
      }
      if (!k.sent[id]) lines.push(w("page_not_yet"));
      if (e.summed) lines.push(fill(w("summed"), { axes: tr(e, "summed") }));
      if (e.check) lines.push(e.check === "ok" ? "✓" : checkText(e));
    });
    if (ids.length > 4) lines.push(fill(w("page_more_edges"), { n: ids.length - 4 }));
    setPanel("info", lines);
  }
  function showNode(n) {
    state.hovered = function () { showNode(n); };
    var node = N[n], k = known(state.step), lines = [node.name];
    if (node.shape) lines.push(w("shape") + " (" + node.shape.join(", ") + ")");
    lines.push(w("data") + " " + nums(node.data));
    lines.push(w("grad") + " " + (k.grads[n] === undefined ? "?" : nums(k.grads[n])));
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
    var ex = N[n].explain, node = paren(N[n].name), root = paren(N[SCENE.root].name), lines = [];
    if (!ex) { setPanel("explain", [node + ": " + w("page_no_explain")]); return; }
    var f = { node: node, root: root, total: nums(ex.total), sum: nums(ex.sum) };
    if (ex.kind !== "sum") lines.push(fill(w("ex_" + ex.kind), f));
    else {
      lines.push(fill(w(ex.uses.length > 1 ? "ex_head" : "ex_head1"), f));
      lines.push(ex.uses.length > 1 ? fill(w("ex_uses"), { n: ex.uses.length }) : w("ex_use1"));
      ex.uses.forEach(function (u, i) {
        var rule = u[5][state.lang] || u[2];  // a Tensor's VJP rule, in the language shown
        lines.push("  " + fill(w(SCENE.tensors ? "ex_use_t" : "ex_use"), { i: i + 1, op: u[0], out: paren(u[1]), node: node, root: root, local: u[2], rule: rule, up: nums(u[3]), c: nums(u[4]) }));
      });
      var found = SCENE.tensors ? { paths: [] } : paths(n);
      if (found.paths.length) {
        lines.push(fill(w("ex_paths"), f));
        found.paths.forEach(function (p) { lines.push("  " + p[0].join(" → ") + ": " + p[1].join(" × ") + " = " + p[2]); });
        if (found.more > 0) lines.push("  " + fill(w("ex_more"), { n: String(found.more) }));
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
    legend();
    update();  // the panels too, in the new language
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
      // an edge's number rows: a line in their colour, the words are in the description
      m.textContent = r[0] === "local" || r[0] === "global" || r[0] === "vjp" ? "\u2014" : r[0];
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
      if (opening) hint.hidden = true;
      state.scale = k;
      state.tx = (r.width - s.width * k) / 2;
      state.ty = (r.height - s.height * k) / 2;
    }
    translate();
  }
  function zoom(f, cx, cy) {
    state.moved = true;
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
    state.moved = true;
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
  document.getElementById("hint-modules").hidden = !M.length;  // no modules: nothing to open
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
  // a frame may get its final size after load (a sandboxed iframe in Jupyter): open again to fit
  // it, until the learner has moved or zoomed the view
  window.addEventListener("resize", function () { if (!state.moved) fit(true); });
  document.body.setAttribute("data-ready", "1");
