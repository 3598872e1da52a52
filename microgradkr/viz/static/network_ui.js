/* The network page around network.js: the overlay switch, en/ko, and the drill-down to one
   neuron's gates (the gate page of page.py with that neuron's scene, in a sandboxed iframe). */
(function () {
  "use strict";
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
  var STATE = data("mgk-net-state"), EXTRA = data("mgk-net-extra"), WORDS = data("mgk-net-words");
  var DRILL = data("mgk-net-drill"), SHELL = data("mgk-net-shell");
  var lang = document.documentElement.lang === "ko" ? "ko" : "en", mode = "w";
  var MODES = ["w", "grad", "update", "act"];
  var ESC = "Esc";  // the key's name, written so on keyboards of both languages (as Home, End)
  function w(key) { return (WORDS[lang] || WORDS.en)[key] || key; }
  function fill(text, fields) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return k in fields ? fields[k] : m; });
  }
  // Why a neuron has no gate page, or the invitation to click.
  function unitNote(name, c) {
    if (!STATE.acts) return w("no_sample");
    if (!DRILL[name]) return fill(w("too_wide"), { n: STATE.sizes[c - 1], max: EXTRA.drill_max });
    return w("click");
  }

  var modes = document.getElementById("modes");
  MODES.forEach(function (m) {
    var b = document.createElement("button");
    b.type = "button";
    b.id = "mode-" + m;
    b.onclick = function () { setMode(m); };
    modes.appendChild(b);
  });
  function known(m) {
    if (m === "grad") return STATE.layers[0].grad_w !== null;
    if (m === "update") return STATE.layers[0].update_w !== null;
    if (m === "act") return STATE.acts !== null;
    return true;
  }
  function words() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-word]").forEach(function (e) { e.textContent = w(e.getAttribute("data-word")); });
    document.getElementById("arch").textContent = EXTRA.model + " " + EXTRA.arch;
    var tips = { grad: "no_grad", update: "no_update", act: "no_sample" };
    MODES.forEach(function (m) {
      var b = document.getElementById("mode-" + m);
      b.textContent = w("mode_" + m);
      b.className = m === mode ? "on" : "";
      b.disabled = !known(m);
      b.title = known(m) ? "" : w(tips[m]);
    });
    document.getElementById("back").textContent = fill(w("back"), { key: ESC });
    document.title = w("heading") + " " + EXTRA.model + " " + EXTRA.arch;
  }

  var net = document.getElementById("net");
  var view = window.mgkNetwork.draw(net, STATE, WORDS, {
    lang: lang, mode: mode, explain: EXTRA.explain, onUnit: open, unitNote: unitNote,
  });
  function setMode(m) { if (!known(m)) return; mode = m; words(); view.redraw({ mode: m }); }
  function setLang(l) { lang = l; words(); view.redraw({ lang: l }); }
  document.getElementById("lang").onclick = function () { setLang(lang === "ko" ? "en" : "ko"); };

  // -- down to one neuron's gates, and back --------------------------------------------------
  var drill = document.getElementById("drill"), frame = document.getElementById("drill-frame");
  function safe(obj) {
    return JSON.stringify(obj).replace(/[<>&\u2028\u2029]/g, function (c) {
      return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
    });
  }
  function open(name) {
    var scene = DRILL[name];
    if (!scene) return;
    var copy = Object.assign({}, scene, { lang: lang }), shell = SHELL[lang];
    var x = STATE.x.map(window.mgkNetwork.num).join(", ");
    var title = fill(w("drill"), { name: name, x: x });
    document.getElementById("drill-title").textContent = frame.title = title;
    drill.setAttribute("data-name", name);
    frame.srcdoc = shell[0] + safe(copy) + shell[1];
    drill.hidden = false;
    document.getElementById("back").focus();
  }
  function back() {
    if (drill.hidden) return;
    drill.hidden = true;
    drill.removeAttribute("data-name");
    frame.srcdoc = "";
  }
  document.getElementById("back").onclick = back;
  document.addEventListener("keydown", function (ev) { if (ev.key === "Escape") back(); });
  window.addEventListener("message", function (ev) {
    if (ev.source === frame.contentWindow && ev.data === "mgk-net-back") back();
  });
  window.addEventListener("resize", function () { view.redraw({}); });
  words();
  document.body.setAttribute("data-ready-ms", Math.round(performance.now()));  // since navigation
  document.body.setAttribute("data-ready", "1");
})();
