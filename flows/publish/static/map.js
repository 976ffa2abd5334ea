/* eventflow choropleth + place markers. Every string from the data is put in the page as text
   (textContent / createTextNode), never as HTML. */
(function () {
  "use strict";
  var RAMPS = {
    all: ["#f2f0f7", "#dadaeb", "#bcbddc", "#9e9ac8", "#756bb1", "#54278f"],
    protest: ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"],
    detention: ["#feedde", "#fdd0a2", "#fdae6b", "#fd8d3c", "#e6550d", "#a63603"],
    attack: ["#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15"],
    trial: ["#edf8e9", "#c7e9c0", "#a1d99b", "#74c476", "#31a354", "#006d2c"]
  };
  var TYPE_COLOURS = { protest: "#0072B2", detention: "#E69F00", attack: "#CC3311", trial: "#009E73" };
  var ZERO = "#e8e8e8";
  var CLUSTER_PX = 80;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function cap(s) { return s.charAt(0).toUpperCase() + s.slice(1); }
  function fmt(v, digits) {
    if (v === null || v === undefined || isNaN(v)) return "n/a";
    return v.toLocaleString("en-US", { maximumFractionDigits: digits || 0, minimumFractionDigits: 0 });
  }
  function nice(v) {            // round a class break to 2 significant digits
    if (v <= 0) return 0;
    var p = Math.pow(10, Math.floor(Math.log10(v)) - 1);
    return Math.round(v / p) * p;
  }

  function eventflowMap(map, regions, D) {
    map.setMinZoom(3);
    map.setMaxZoom(12);          // no tile layer sets it; markers stop clustering at this zoom
    var T = D.types.length, M = D.months.length, U = D.units.length;
    var state = { type: "all", measure: "count", m0: 0, m1: Math.max(M - 1, 0), markers: true, labels: true,
      reviewed: false };
    var hasPop = !!D.population;

    // counts[u][t] = Int32Array over months; reviewedCounts the same for events an analyst confirmed,
    // corrected or added (the "reviewed events only" control)
    var counts = [], reviewedCounts = [];
    for (var u = 0; u < U; u++) {
      counts.push([]); reviewedCounts.push([]);
      for (var t = 0; t < T; t++) { counts[u].push(new Int32Array(M)); reviewedCounts[u].push(new Int32Array(M)); }
    }
    D.cells.forEach(function (c) { counts[c[0]][c[1]][c[2]] = c[3]; reviewedCounts[c[0]][c[1]][c[2]] = c[4] || 0; });
    var yearOfMonth = D.months.map(function (m) { return D.years.indexOf(parseInt(m.slice(0, 4), 10)); });

    function typeIdx() { return state.type === "all" ? null : D.types.indexOf(state.type); }
    function unitStats(u) {
      var byType = [], total = 0, rate = 0, rateOk = hasPop;
      for (var t = 0; t < T; t++) {
        var n = 0, arr = (state.reviewed ? reviewedCounts : counts)[u][t];
        for (var m = state.m0; m <= state.m1; m++) {
          var c = arr[m];
          if (!c) continue;
          n += c;
          var sel = typeIdx();
          if (sel === null || sel === t) {
            var pop = hasPop ? D.population[u][yearOfMonth[m]] : null;
            if (pop) rate += c * 100000 / pop; else rateOk = false;
          }
        }
        byType.push(n);
      }
      var sel2 = typeIdx();
      total = sel2 === null ? byType.reduce(function (a, b) { return a + b; }, 0) : byType[sel2];
      var popNow = hasPop ? D.population[u][yearOfMonth[state.m1]] : null;
      if (hasPop && total === 0 && popNow) rateOk = true;
      return { byType: byType, total: total, rate: rateOk ? rate : null };
    }
    function value(s) { return state.measure === "rate" ? s.rate : s.total; }

    function breaks(values) {
      var v = values.filter(function (x) { return x !== null && x > 0; }).sort(function (a, b) { return a - b; });
      if (!v.length) return [];
      var k = 6, out = [];
      for (var i = 1; i < k; i++) {
        var q = v[Math.min(v.length - 1, Math.floor(i * v.length / k))];
        q = state.measure === "rate" ? nice(q) : Math.round(q);
        if (q > 0 && (out.length === 0 || q > out[out.length - 1]) && q < v[v.length - 1]) out.push(q);
      }
      return out;        // class i holds values in (out[i-1], out[i]]
    }
    function classOf(x, b) {
      for (var i = 0; i < b.length; i++) if (x <= b[i]) return i;
      return b.length;
    }
    function rampFor(nClasses) {
      var ramp = RAMPS[state.type] || RAMPS.all;
      if (nClasses >= ramp.length) return ramp;
      // spread the classes over the ramp, keeping its darkest colour for the top class
      var out = [];
      for (var i = 0; i < nClasses; i++) out.push(ramp[Math.round((i + 1) * (ramp.length - 1) / nClasses)]);
      return out;
    }

    // ---- controls -------------------------------------------------------------------------
    var title = L.control({ position: "topleft" });
    title.onAdd = function () {
      var box = el("div", "ef-box ef-title", D.title);
      box.appendChild(el("div", "ef-sub", D.division));
      return box;
    };
    title.addTo(map);

    var controls = L.control({ position: "topright" });
    var periodLabel, s0, s1, typeSel, measureSel;
    controls.onAdd = function () {
      var box = el("div", "ef-box ef-controls");
      var l1 = el("label", null, "Event type");
      typeSel = el("select"); typeSel.id = "ef-type";
      [["all", "All types"]].concat(D.types.map(function (t) { return [t, cap(t)]; })).forEach(function (o) {
        var opt = el("option", null, o[1]); opt.value = o[0]; typeSel.appendChild(opt);
      });
      l1.appendChild(typeSel); box.appendChild(l1);
      var l2 = el("label", null, "Measure");
      measureSel = el("select"); measureSel.id = "ef-measure";
      [["count", "Number of events"], ["rate", "Events per 100,000 people"]].forEach(function (o) {
        var opt = el("option", null, o[1]); opt.value = o[0];
        if (o[0] === "rate" && !hasPop) opt.disabled = true;
        measureSel.appendChild(opt);
      });
      l2.appendChild(measureSel); box.appendChild(l2);
      periodLabel = el("div", "ef-period");
      box.appendChild(periodLabel);
      s0 = el("input"); s0.type = "range"; s0.id = "ef-from";
      s1 = el("input"); s1.type = "range"; s1.id = "ef-to";
      [s0, s1].forEach(function (s, i) {
        s.min = 0; s.max = Math.max(M - 1, 0); s.step = 1; s.value = i ? state.m1 : state.m0;
        var lab = el("label", null, i ? "To " : "From ");
        lab.appendChild(s); box.appendChild(lab);
      });
      [["markers", "Places (event markers)"], ["labels", "Region names"],
        ["reviewed", "Reviewed events only (confirmed, corrected or added by an analyst)"]].forEach(function (o) {
        var lab = el("label"), cb = el("input"); cb.type = "checkbox"; cb.checked = state[o[0]]; cb.id = "ef-" + o[0];
        lab.appendChild(cb); lab.appendChild(document.createTextNode(" " + o[1])); box.appendChild(lab);
        cb.addEventListener("change", function () { state[o[0]] = cb.checked; update(); });
      });
      typeSel.addEventListener("change", function () { state.type = typeSel.value; update(); });
      measureSel.addEventListener("change", function () { state.measure = measureSel.value; update(); });
      s0.addEventListener("input", function () {
        state.m0 = +s0.value; if (state.m0 > state.m1) { state.m1 = state.m0; s1.value = state.m1; } update();
      });
      s1.addEventListener("input", function () {
        state.m1 = +s1.value; if (state.m1 < state.m0) { state.m0 = state.m1; s0.value = state.m0; } update();
      });
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    controls.addTo(map);

    var legend = L.control({ position: "bottomright" });
    var legendBox;
    legend.onAdd = function () { legendBox = el("div", "ef-box ef-legend"); return legendBox; };
    legend.addTo(map);

    var note = L.control({ position: "bottomleft" });
    var noteBox;
    note.onAdd = function () { noteBox = el("div", "ef-box ef-note"); return noteBox; };
    note.addTo(map);

    // ---- region labels and tooltips -------------------------------------------------------
    var labelLayer = L.layerGroup();
    map.createPane("ef-labels").style.zIndex = 640;      // region names above the markers, below popups
    D.units.forEach(function (unit) {
      if (!unit.label) return;                          // world overview: only countries with events are named
      var span = el("span", null, unit.name);
      L.marker(unit.label, { icon: L.divIcon({ className: "ef-label", html: span, iconSize: [0, 0] }),
        interactive: false, keyboard: false, pane: "ef-labels" }).addTo(labelLayer);
    });
    var stats = [];
    regions.eachLayer(function (layer) {
      var u = layer.feature.properties.u;
      layer.bindTooltip(function () {
        var s = stats[u], box = el("div");
        box.appendChild(el("div", "ef-tt-name", D.units[u].name + (D.units[u].code ? " (" + D.units[u].code + ")" : "")));
        box.appendChild(el("div", null, periodText()));
        D.types.forEach(function (t, i) { box.appendChild(el("div", null, cap(t) + ": " + fmt(s.byType[i]))); });
        var what = state.type === "all" ? "all types" : state.type;
        box.appendChild(el("div", null, "Events (" + what + "): " + fmt(s.total)));
        if (hasPop) box.appendChild(el("div", null, "Per 100,000 people: " + fmt(s.rate, 2)));
        if (D.units[u].link) box.appendChild(el("div", "ef-meta", "Click to open its map"));
        return box;
      }, { sticky: true, className: "ef-tooltip" });
      var link = D.units[u].link;
      if (link && /^[\w.-]+\.html$/.test(link)) {       // our own page names only
        layer.on("click", function () { window.location.href = link; });
      }
    });

    function periodText() {
      if (!M) return "No dated events";
      return D.months[state.m0] + (state.m1 !== state.m0 ? " to " + D.months[state.m1] : "");
    }

    // ---- markers with screen-distance clustering -------------------------------------------
    var markerLayer = L.layerGroup().addTo(map);
    function placeCount(p) {
      var sel = typeIdx(), n = 0;
      for (var i = 0; i < p.c.length; i++) {
        var c = p.c[i];
        if ((sel === null || c[0] === sel) && c[1] >= state.m0 && c[1] <= state.m1) n += state.reviewed ? (c[3] || 0) : c[2];
      }
      return n;
    }
    function popupFor(p, n) {
      var box = el("div", "ef-popup"), sel = typeIdx();
      box.appendChild(el("h4", null, p.name || "Unnamed place"));
      box.appendChild(el("div", "ef-meta", fmt(n) + " event" + (n === 1 ? "" : "s") + " (" +
        (state.type === "all" ? "all types" : state.type) + ", " + periodText() + ")"));
      var shown = p.ev.filter(function (e) {
        return (sel === null || e.t === sel) && e.m >= state.m0 && e.m <= state.m1 && (!state.reviewed || e.r);
      });
      shown.forEach(function (e) {
        var item = el("div", "ef-event");
        var head = el("div");
        head.appendChild(el("b", null, cap(D.types[e.t])));
        if (e.sub) head.appendChild(document.createTextNode(" (" + e.sub.replace(/_/g, " ") + ")"));
        head.appendChild(document.createTextNode(" · " + (e.d || "undated") + (e.de && e.de !== e.d ? " to " + e.de : "")));
        item.appendChild(head);
        if (e.loc) item.appendChild(el("div", "ef-meta", "Place: " + e.loc));
        if (e.n) item.appendChild(el("div", null, e.n));
        if (e.q) item.appendChild(el("blockquote", null, "\u201c" + e.q + "\u201d"));
        var src = el("div", "ef-meta", "Source: ");
        if (e.u && /^https?:\/\//i.test(e.u)) {
          var a = el("a", null, e.s || e.u); a.href = e.u; a.target = "_blank"; a.rel = "noopener noreferrer";
          src.appendChild(a);
        } else {
          src.appendChild(document.createTextNode(e.s || "unknown"));
        }
        if (e.ns > 1) src.appendChild(document.createTextNode(" (+" + (e.ns - 1) + " more source" + (e.ns > 2 ? "s" : "") + ")"));
        item.appendChild(src);
        item.appendChild(el("div", "ef-meta ef-review", "Review: " + (e.rs || "unreviewed")));
        box.appendChild(item);
      });
      if (shown.length < n) {
        box.appendChild(el("div", "ef-meta", shown.length ? "Showing the " + shown.length +
          " largest of these events." : "The largest events at this place fall outside this selection."));
      }
      return box;
    }
    function drawMarkers() {
      markerLayer.clearLayers();
      if (!state.markers) return;
      var zoom = map.getZoom(), cluster = zoom < map.getMaxZoom(), cells = {}, order = [];
      D.places.forEach(function (p) {
        var n = placeCount(p);
        if (!n) return;
        var pt = map.project([p.lat, p.lon], zoom);
        var key = cluster ? Math.floor(pt.x / CLUSTER_PX) + ":" + Math.floor(pt.y / CLUSTER_PX) : p.lat + ":" + p.lon + ":" + p.name;
        if (!cells[key]) { cells[key] = []; order.push(key); }
        cells[key].push({ p: p, n: n });
      });
      var colour = state.type === "all" ? "#333333" : TYPE_COLOURS[state.type] || "#333333";
      order.forEach(function (key) {
        var g = cells[key];
        if (g.length === 1) {
          var p = g[0].p, n = g[0].n;
          L.circleMarker([p.lat, p.lon], {
            radius: Math.min(4 + 2.2 * Math.sqrt(n), 16), color: "#ffffff", weight: 1.2,
            fillColor: colour, fillOpacity: 0.7, className: "ef-place"
          }).bindPopup(function () { return popupFor(p, n); }, { maxWidth: 380 }).addTo(markerLayer);
          return;
        }
        var total = 0, lat = 0, lon = 0, bounds = L.latLngBounds([]);
        g.forEach(function (x) { total += x.n; lat += x.p.lat * x.n; lon += x.p.lon * x.n; bounds.extend([x.p.lat, x.p.lon]); });
        var size = Math.round(Math.min(26 + 6 * Math.log10(total), 48));
        var inner = el("div", null, total >= 10000 ? Math.round(total / 1000) + "k" : fmt(total));
        L.marker([lat / total, lon / total], {
          icon: L.divIcon({ className: "ef-cluster", html: inner, iconSize: [size, size] }),
          title: fmt(total) + " events at " + g.length + " places"
        }).on("click", function () {
          map.fitBounds(bounds.pad(0.3), { maxZoom: Math.min(map.getZoom() + 3, map.getMaxZoom()) });
        }).addTo(markerLayer);
      });
    }

    // ---- redraw ---------------------------------------------------------------------------
    function update() {
      stats = [];
      for (var u = 0; u < U; u++) stats.push(unitStats(u));
      var values = stats.map(value), b = breaks(values), ramp = rampFor(b.length + 1);
      regions.eachLayer(function (layer) {
        var v = values[layer.feature.properties.u];
        layer.setStyle({ fillColor: v ? ramp[classOf(v, b)] : ZERO, fillOpacity: 0.85, color: "#ffffff", weight: 1 });
      });
      // legend
      legendBox.textContent = "";
      var what = (state.type === "all" ? "All events" : cap(state.type) + " events") + (state.reviewed ? " (reviewed only)" : "");
      legendBox.appendChild(el("div", "ef-legend-title",
        what + (state.measure === "rate" ? " per 100,000 people" : "") + ", " + periodText()));
      function row(colour, text) {
        var r = el("div", "ef-row"), sw = el("span", "ef-swatch");
        sw.style.background = colour; r.appendChild(sw); r.appendChild(el("span", null, text)); legendBox.appendChild(r);
      }
      var digits = state.measure === "rate" ? 2 : 0, maxV = Math.max.apply(null, values.map(function (x) { return x || 0; }));
      row(ZERO, state.measure === "rate" ? "0 or no data" : "0");
      if (maxV > 0) {
        var lo = state.measure === "rate" ? 0 : 1;
        for (var i = 0; i <= b.length; i++) {
          var hi = i < b.length ? b[i] : maxV;
          var text = (state.measure === "rate" ? (i ? "> " + fmt(b[i - 1], digits) + " to " : "up to ") + fmt(hi, digits)
            : (lo === hi ? fmt(lo) : fmt(lo) + "–" + fmt(hi)));
          row(ramp[i], text);
          lo = Math.floor(hi) + 1;
        }
      }
      // note
      var N = D.notes, shownEvents = 0;
      stats.forEach(function (s) { shownEvents += s.total; });
      noteBox.textContent = "";
      noteBox.appendChild(el("div", "ef-division", D.division));
      noteBox.appendChild(el("div", null, fmt(shownEvents) + " events in the regions for this selection; " +
        fmt(N.total) + " events in the data."));
      var caveats = [];
      if (N.countryOnly) caveats.push(fmt(N.countryOnly) + " are known only to the country (nationwide, or no place named)");
      if (N.unplaced) caveats.push(fmt(N.unplaced) + " could not be placed in a region of this division (no coordinates, and their region was split)");
      if (N.undated) caveats.push(fmt(N.undated) + " have no date");
      if (N.otherType) caveats.push(fmt(N.otherType) + " have another type");
      if (caveats.length) noteBox.appendChild(el("div", null, "Not on the map: " + caveats.join("; ") + "."));
      if (D.places.length) {
        noteBox.appendChild(el("div", null, "Markers: one per place; nearby places are grouped at this zoom." +
          (N.placesTotal > N.placesShown ? " The " + fmt(N.placesShown) + " busiest of " + fmt(N.placesTotal) +
            " places are drawn; the others count in their regions." : "")));
      }
      if (hasPop) noteBox.appendChild(el("div", null, "Rates use the population of each event's year."));
      (D.attribution || []).forEach(function (a) { noteBox.appendChild(el("div", "ef-attribution", a)); });
      periodLabel.textContent = "Period: " + periodText();
      if (state.labels) labelLayer.addTo(map); else map.removeLayer(labelLayer);
      drawMarkers();
    }
    map.on("zoomend", drawMarkers);
    update();
    window.eventflow = { map: map, regions: regions, state: state, update: update, data: D };
    document.body.setAttribute("data-eventflow-ready", "1");
  }
  window.eventflowMap = eventflowMap;
})();
