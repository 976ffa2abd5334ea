/* eventflow timeline: stacked monthly bars by type as SVG; every string from the data goes in as text. */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("eventflow-timeline").textContent);
  var root = document.getElementById("ef-timeline");
  var NS = "http://www.w3.org/2000/svg";
  var W = 1200, H = 470, ML = 56, MR = 16, MT = 20, MB = 40, M = D.months.length;
  var on = D.types.map(function () { return true; });

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function cap(s) { return s.charAt(0).toUpperCase() + s.slice(1); }
  function fmt(v) { return Number(v).toLocaleString("en-US"); }

  var legend = el("div", "ef-legend");
  D.types.forEach(function (t, i) {
    var lab = el("label"), cb = el("input"), sw = el("span", "ef-swatch");
    cb.type = "checkbox"; cb.checked = true; cb.id = "ef-type-" + t;
    sw.style.background = D.colours[t];
    cb.addEventListener("change", function () { on[i] = cb.checked; draw(); });
    lab.appendChild(cb); lab.appendChild(sw); lab.appendChild(document.createTextNode(cap(t)));
    legend.appendChild(lab);
  });
  root.appendChild(legend);
  var readout = el("div", "ef-readout", "Hover over a bar for the month's counts.");
  root.appendChild(readout);
  var chart = svg("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "Events per month by type" });
  root.appendChild(chart);
  var notes = el("div", "ef-meta");
  var missing = [];
  if (D.undated) missing.push(fmt(D.undated) + " events without a date");
  if (D.otherType) missing.push(fmt(D.otherType) + " events of another type");
  var coarse = Object.keys(D.coarse || {}).sort().map(function (y) { return y + ": " + fmt(D.coarse[y]); });
  if (coarse.length) missing.push("events known only to the season or year (" + coarse.join(", ") + ")");
  if (missing.length) notes.textContent = "Not shown: " + missing.join("; ") + ".";
  root.appendChild(notes);

  root.appendChild(el("h2", null, "Largest events"));
  var list = el("ol", "ef-largest");
  D.largest.forEach(function (e) {
    var li = el("li");
    li.appendChild(el("b", null, e.date + " · " + cap(e.type) + (e.place ? " · " + e.place : "")));
    li.appendChild(el("div", null, e.counts));
    if (e.quote) li.appendChild(el("blockquote", null, "\u201c" + e.quote + "\u201d"));
    if (e.source) li.appendChild(el("div", "ef-meta", "Source: " + e.source));
    list.appendChild(li);
  });
  root.appendChild(list);

  function draw() {
    while (chart.firstChild) chart.removeChild(chart.firstChild);
    if (!M) { chart.appendChild(svg("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, "No dated events")); return; }
    var totals = D.months.map(function (_, m) {
      var s = 0; D.types.forEach(function (_, t) { if (on[t]) s += D.series[t][m]; }); return s;
    });
    var maxV = Math.max(1, Math.max.apply(null, totals));
    var step = Math.pow(10, Math.floor(Math.log10(maxV)));
    if (maxV / step < 2) step /= 5; else if (maxV / step < 5) step /= 2;
    step = Math.max(1, Math.round(step));
    var top = Math.ceil(maxV * 1.35 / step) * step;
    var pw = W - ML - MR, ph = H - MT - MB, bw = pw / M;
    function y(v) { return MT + ph - v / top * ph; }
    var grid = svg("g", { "class": "ef-grid ef-axis" });
    for (var v = 0; v <= top; v += step) {
      grid.appendChild(svg("line", { x1: ML, x2: W - MR, y1: y(v), y2: y(v) }));
      grid.appendChild(svg("text", { x: ML - 6, y: y(v) + 4, "text-anchor": "end" }, fmt(v)));
    }
    chart.appendChild(grid);
    var bars = svg("g", { "class": "ef-bars" });
    D.months.forEach(function (month, m) {
      var base = 0, g = svg("g", { "data-month": month });
      D.types.forEach(function (t, i) {
        var n = D.series[i][m];
        if (!on[i] || !n) return;
        var r = svg("rect", { x: ML + m * bw + bw * 0.06, width: Math.max(bw * 0.88, 0.6), y: y(base + n),
          height: y(base) - y(base + n), fill: D.colours[t], "class": "ef-bar ef-" + t });
        r.appendChild(svg("title", {}, month + " · " + cap(t) + ": " + fmt(n)));
        g.appendChild(r);
        base += n;
      });
      g.addEventListener("mouseenter", function () {
        readout.textContent = month + ": " + D.types.map(function (t, i) { return cap(t) + " " + fmt(D.series[i][m]); })
          .join(", ") + " (total " + fmt(totals[m]) + ")";
      });
      bars.appendChild(g);
    });
    chart.appendChild(bars);
    var axis = svg("g", { "class": "ef-axis" });
    axis.appendChild(svg("line", { x1: ML, x2: W - MR, y1: y(0), y2: y(0) }));
    var yearly = M > 24, every = Math.max(1, Math.ceil(M / 14));
    D.months.forEach(function (month, m) {
      var show = yearly ? month.slice(5) === "01" && (parseInt(month, 10) % Math.max(1, Math.ceil(M / 12 / 14)) === 0) : m % every === 0;
      if (!show) return;
      var x = ML + m * bw;
      axis.appendChild(svg("line", { x1: x, x2: x, y1: y(0), y2: y(0) + 5 }));
      axis.appendChild(svg("text", { x: x + (yearly ? 0 : bw / 2), y: y(0) + 20, "text-anchor": yearly ? "start" : "middle" },
        yearly ? month.slice(0, 4) : month));
    });
    chart.appendChild(axis);
    var ann = svg("g", { "class": "ef-ann" }), stacked = {};
    D.largest.forEach(function (e, k) {
      var m = D.months.indexOf(e.month);
      if (m < 0) return;
      var level = stacked[m] = (stacked[m] || 0) + 1;     // events of the same month stack upwards
      var cx = ML + (m + 0.5) * bw, cy = Math.max(MT + 10, y(totals[m]) - 14 - 22 * (level - 1));
      var g = svg("g", {});
      g.appendChild(svg("line", { x1: cx, x2: cx, y1: cy + 9, y2: y(totals[m]), stroke: "#555" }));
      g.appendChild(svg("circle", { cx: cx, cy: cy, r: 9, fill: "#333" }));
      g.appendChild(svg("text", { x: cx, y: cy + 4, "text-anchor": "middle" }, k + 1));
      g.appendChild(svg("title", {}, (k + 1) + ". " + e.date + " " + cap(e.type) + (e.place ? ", " + e.place : "") + ": " + e.counts));
      ann.appendChild(g);
    });
    chart.appendChild(ann);
  }
  draw();
  document.body.setAttribute("data-eventflow-ready", "1");
})();
