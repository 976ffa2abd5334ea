/* eventflow review desk. Every string from the data goes into the page with textContent or
   createTextNode, never as HTML; the only requests are the desk's own /api endpoints, each carrying the
   session token. */
(function () {
  "use strict";
  var BOOT = JSON.parse(document.getElementById("review-boot").textContent);
  var KEYS = [["j", "next mention"], ["k", "previous mention"], ["c", "confirm"], ["x", "not an event (drop)"],
    ["e", "edit fields"], ["s", "keep apart (never merge)"], ["m", "merge with another event"],
    ["a", "add an event from the selected text"], ["u", "undo the last decision on this mention"],
    ["R", "reload the database"], ["?", "show or hide these keys"], ["Esc", "close a form"]];
  var FILTERS = [["source", "Source"], ["event_type", "Type"], ["country", "Country"], ["region", "Region"],
    ["status", "Review status"]];
  var state = { items: [], index: -1, count: 0, total: 0, reviewed: 0, current: null, form: null,
    seq: 0, pending: 0, before: BOOT.context_chars, after: BOOT.context_chars, filtersBuilt: false };
  var ui = {};

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function words(s) { return String(s || "").replace(/_/g, " "); }
  function cap(s) { s = words(s); return s.charAt(0).toUpperCase() + s.slice(1); }
  function setPending(delta) {
    state.pending += delta;
    document.body.setAttribute("data-pending", String(state.pending));
  }

  // ---- requests -----------------------------------------------------------------------------------
  function api(method, path, body) {
    setPending(1);
    var opts = { method: method, headers: { "X-Eventflow-Token": BOOT.token }, cache: "no-store",
      credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(path, opts).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) {
          var err = new Error(data.error || ("HTTP " + r.status));
          err.status = r.status;
          throw err;
        }
        return data;
      });
    }).finally(function () { setPending(-1); });
  }
  function say(text, kind) {
    ui.message.textContent = text;
    ui.message.className = "message " + (kind || "info");
    ui.message.setAttribute("role", kind === "error" || kind === "conflict" ? "alert" : "status");
  }
  function failed(err) { say(err.message, err.status === 409 ? "conflict" : "error"); }

  // ---- layout ------------------------------------------------------------------------------------
  function build() {
    var header = el("header", "top");
    header.appendChild(el("h1", null, "Review desk"));
    header.appendChild(el("span", "db", BOOT.database + " · " + BOOT.analyst));
    ui.progress = el("span", "progress");
    ui.progress.id = "progress";
    header.appendChild(ui.progress);
    ui.data = el("span", "data");
    header.appendChild(ui.data);
    var reload = el("button", "small", "Reload data (R)");
    reload.type = "button";
    reload.addEventListener("click", reloadData);
    header.appendChild(reload);
    var help = el("button", "small", "Keys (?)");
    help.type = "button";
    help.addEventListener("click", toggleHelp);
    header.appendChild(help);
    document.body.appendChild(header);

    ui.filters = el("div", "filters");
    ui.filters.setAttribute("role", "search");
    document.body.appendChild(ui.filters);

    var main = el("main");
    var nav = el("nav", "queue");
    nav.setAttribute("aria-label", "Queue of mentions");
    ui.list = el("ol");
    ui.list.id = "queue";
    nav.appendChild(ui.list);
    ui.more = el("button", "small", "Load more");
    ui.more.type = "button";
    ui.more.addEventListener("click", function () { loadQueue(false); });
    nav.appendChild(ui.more);
    main.appendChild(nav);
    ui.detail = el("section", "detail");
    ui.detail.id = "detail";
    ui.detail.setAttribute("aria-live", "polite");
    main.appendChild(ui.detail);
    document.body.appendChild(main);

    ui.help = el("div", "help hidden");
    ui.help.id = "help";
    ui.help.appendChild(el("h2", null, "Keys"));
    var dl = el("dl");
    KEYS.forEach(function (k) { dl.appendChild(el("dt", null, k[0])); dl.appendChild(el("dd", null, k[1])); });
    ui.help.appendChild(dl);
    document.body.appendChild(ui.help);

    ui.message = el("div", "message info");
    ui.message.id = "message";
    ui.message.setAttribute("role", "status");
    document.body.appendChild(ui.message);
  }

  function buildFilters(options) {
    clear(ui.filters);
    FILTERS.forEach(function (f) {
      var lab = el("label", null, f[1] + " ");
      var sel = el("select");
      sel.id = "f-" + f[0];
      sel.name = f[0];
      if (f[0] !== "status") { var any = el("option", null, "any"); any.value = ""; sel.appendChild(any); }
      (options[f[0]] || []).forEach(function (v) { var o = el("option", null, words(v)); o.value = v; sel.appendChild(o); });
      sel.addEventListener("change", function () { loadQueue(true); });
      lab.appendChild(sel);
      ui.filters.appendChild(lab);
    });
    [["date_from", "From"], ["date_to", "To"]].forEach(function (f) {
      var lab = el("label", null, f[1] + " ");
      var inp = el("input");
      inp.id = "f-" + f[0]; inp.name = f[0]; inp.placeholder = "YYYY-MM-DD"; inp.size = 10;
      inp.addEventListener("change", function () { loadQueue(true); });
      lab.appendChild(inp);
      ui.filters.appendChild(lab);
    });
    var lab = el("label", null, "Order ");
    var order = el("select");
    order.id = "f-order"; order.name = "order";
    [["confidence", "least confident first"], ["document", "document order"], ["date", "by date"]].forEach(function (o) {
      var opt = el("option", null, o[1]); opt.value = o[0]; order.appendChild(opt);
    });
    order.addEventListener("change", function () { loadQueue(true); });
    lab.appendChild(order);
    ui.filters.appendChild(lab);
    state.filtersBuilt = true;
  }

  function filterQuery() {
    var params = new URLSearchParams();
    ui.filters.querySelectorAll("select, input").forEach(function (f) { if (f.value) params.set(f.name, f.value); });
    return params;
  }

  // ---- queue -------------------------------------------------------------------------------------
  function loadQueue(reset) {
    var params = state.filtersBuilt ? filterQuery() : new URLSearchParams();
    params.set("offset", reset ? "0" : String(state.items.length));
    return api("GET", "/api/queue?" + params.toString()).then(function (q) {
      if (!state.filtersBuilt) buildFilters(q.options);
      state.items = reset ? q.items : state.items.concat(q.items);
      state.count = q.count; state.total = q.total; state.reviewed = q.reviewed;
      showData(q.data);
      renderQueue();
      showProgress();
      if (reset) {
        state.index = -1;
        var wanted = -1;           // a link to one mention: #m_...
        state.items.forEach(function (it, i) { if ("#" + it.id === window.location.hash) wanted = i; });
        if (state.items.length) select(Math.max(wanted, 0)); else showEmpty();
      }
    }).catch(failed);
  }

  function showProgress() {
    ui.progress.textContent = state.reviewed + " of " + state.total + " reviewed";
  }

  function showData(d) {
    if (!d) return;
    var text = "Data read " + d.loaded_at.replace("T", " ").slice(0, 16) + " UTC";
    if (d.busy) text += " · a run is writing the database";
    else if (d.changed) text += " · the database has changed: reload (R)";
    ui.data.textContent = text;
    ui.data.className = "data" + (d.changed || d.busy ? " attention" : "");
  }

  function itemNode(item, i) {
    var li = el("li", "item status-" + item.status);
    li.setAttribute("data-id", item.id);
    li.setAttribute("data-status", item.status);
    li.appendChild(el("span", "dot"));
    li.appendChild(el("span", "what", cap(item.event_type) + " · " + words(item.subtype) + " · " + item.date_start +
      (item.date_end !== item.date_start ? " to " + item.date_end : "")));
    li.appendChild(el("span", "conf", (item.place || "") + " · confidence " + Number(item.confidence).toFixed(2) +
      " · " + item.status));
    li.addEventListener("click", function () { select(i); });
    if (i === state.index) li.setAttribute("aria-current", "true");
    return li;
  }

  function renderQueue() {
    clear(ui.list);
    state.items.forEach(function (item, i) { ui.list.appendChild(itemNode(item, i)); });
    ui.more.hidden = state.items.length >= state.count;
  }

  function updateItem(summary) {
    for (var i = 0; i < state.items.length; i++) {
      if (state.items[i].id !== summary.id) continue;
      var before = state.items[i].status;
      if (summary.removed) {
        state.items.splice(i, 1);
        if (before !== "unreviewed") state.reviewed -= 1;
        state.total -= 1; state.count -= 1;
        if (state.index >= i) state.index = Math.max(0, state.index - 1);
      } else {
        state.items[i] = summary;
        if (before === "unreviewed" && summary.status !== "unreviewed") state.reviewed += 1;
        if (before !== "unreviewed" && summary.status === "unreviewed") state.reviewed -= 1;
      }
      renderQueue();
      showProgress();
      return;
    }
    if (!summary.removed) {          // an added event joins the end of the queue
      state.items.push(summary);
      state.total += 1; state.count += 1; state.reviewed += 1;
      renderQueue();
      showProgress();
    }
  }

  function select(i) {
    if (i < 0 || i >= state.items.length) {
      if (i >= state.items.length && state.items.length < state.count) {
        loadQueue(false).then(function () { if (i < state.items.length) select(i); });
        return;
      }
      say(i < 0 ? "This is the first mention of the queue." : "End of the queue: every mention here is shown.");
      return;
    }
    var jump = Math.abs(i - state.index) > 1;
    state.index = i;
    state.form = null;
    state.before = state.after = BOOT.context_chars;
    var nodes = ui.list.children;
    for (var n = 0; n < nodes.length; n++) nodes[n].removeAttribute("aria-current");
    if (nodes[i]) { nodes[i].setAttribute("aria-current", "true"); nodes[i].scrollIntoView({ block: jump ? "center" : "nearest" }); }
    loadMention(state.items[i].id);
  }

  function loadMention(id) {
    var seq = ++state.seq;
    var params = new URLSearchParams({ id: id, before: String(state.before), after: String(state.after) });
    return api("GET", "/api/mention?" + params.toString()).then(function (d) {
      if (seq !== state.seq) return;        // the analyst moved on meanwhile
      state.current = d;
      showData(d.data);
      renderDetail();
    }).catch(failed);
  }

  function showEmpty() {
    clear(ui.detail);
    state.current = null;
    ui.detail.removeAttribute("data-id");
    ui.detail.appendChild(el("p", "empty", "No mention matches these filters."));
  }

  // ---- one mention -------------------------------------------------------------------------------
  function renderDetail() {
    var d = state.current, m = d.mention, s = d.summary;
    clear(ui.detail);
    ui.detail.setAttribute("data-id", s.id);
    ui.detail.setAttribute("data-version", String(s.version));
    ui.detail.setAttribute("data-status", s.status);
    var head = el("h2");
    head.appendChild(el("span", "badge status-" + s.status, s.status));
    head.appendChild(document.createTextNode(" " + cap(m.event_type) + " (" + words(m.subtype) + ") · " +
      m.date_start + (m.date_end !== m.date_start ? " to " + m.date_end : "") + " · " +
      (m.place_name || m.location_text || m.country)));
    ui.detail.appendChild(head);
    ui.detail.appendChild(el("p", "meta", "mention " + m.mention_id + (s.event_id ? " · event " + s.event_id :
      " · in no event yet (the next run places it)") + " · " + m.source +
      (m.row_number ? " row " + m.row_number : "") + " · confidence " + Number(m.confidence).toFixed(2) +
      " · " + m.extractor + " · version " + s.version));
    ui.detail.appendChild(actionBar());
    if (state.form) ui.detail.appendChild(state.form.node);
    ui.detail.appendChild(contextBox(d.context));
    ui.detail.appendChild(fieldsTable(m, d.extracted));
    if (d.event) ui.detail.appendChild(eventBox(d.event, m.mention_id));
    ui.detail.appendChild(historyBox(d.history));
    if (state.form && state.form.focus) state.form.focus.focus();
  }

  function actionBar() {
    var bar = el("div", "actions");
    [["Confirm", "c", function () { decide("confirm"); }], ["Not an event", "x", function () { decide("drop"); }],
      ["Edit", "e", openEdit], ["Keep apart", "s", function () { decide("split"); }], ["Merge", "m", openMerge],
      ["Add from selection", "a", openAdd], ["Undo", "u", undo]].forEach(function (a) {
      var b = el("button", null, a[0] + " (" + a[1] + ")");
      b.type = "button";
      b.setAttribute("data-key", a[1]);
      b.addEventListener("mousedown", function (ev) { ev.preventDefault(); });   // keep the text selection
      b.addEventListener("click", a[2]);
      bar.appendChild(b);
    });
    return bar;
  }

  function contextBox(c) {
    var box = el("div", "context-box");
    var legend = el("div", "legend");
    legend.appendChild(el("span", "hl-quote", "evidence"));
    ["date", "place", "count", "actor", "target", "charge"].forEach(function (f) {
      legend.appendChild(el("span", "hl-" + f, f));
    });
    box.appendChild(legend);
    if (c.note) box.appendChild(el("p", "note", c.note));
    var text = el("div", "context");
    text.id = "context";
    text.setAttribute("data-start", String(c.start));
    text.setAttribute("data-selectable", c.selectable ? "1" : "0");
    var cuts = [c.start, c.start + c.text.length, c.quote[0], c.quote[1]];
    c.spans.forEach(function (s) { cuts.push(s.start, s.end); });
    cuts = cuts.filter(function (x) { return x >= c.start && x <= c.start + c.text.length; })
      .sort(function (a, b) { return a - b; })
      .filter(function (x, i, arr) { return i === 0 || x !== arr[i - 1]; });
    for (var i = 0; i + 1 < cuts.length; i++) {
      var a = cuts[i], b = cuts[i + 1], seg = el("span", "seg", c.text.slice(a - c.start, b - c.start));
      seg.setAttribute("data-start", String(a));
      var labels = [];
      if (a >= c.quote[0] && b <= c.quote[1]) seg.classList.add("hl-quote");
      c.spans.forEach(function (s) {
        if (a >= s.start && b <= s.end) { seg.classList.add("hl-" + s.field); labels.push(words(s.label)); }
      });
      if (labels.length) seg.title = labels.join(", ");
      text.appendChild(seg);
    }
    box.appendChild(text);
    window.setTimeout(function () {          // the evidence in view, with a little text before it
      var first = text.querySelector(".hl-quote");
      if (first) text.scrollTop = Math.max(0, first.offsetTop - text.offsetTop - 60);
    }, 0);
    if (c.selectable) {
      var more = el("div", "more");
      [["More text before", "before"], ["More text after", "after"]].forEach(function (m) {
        var b = el("button", "small", m[0]);
        b.type = "button";
        b.disabled = c.quote[0] - c.start >= BOOT.max_context_chars && m[1] === "before";
        b.addEventListener("click", function () {
          state[m[1]] = Math.min(state[m[1]] * 3, BOOT.max_context_chars);
          loadMention(state.current.summary.id);
        });
        more.appendChild(b);
      });
      more.appendChild(el("span", "hint", "Select text and press a to add an event the extractor missed."));
      box.appendChild(more);
    }
    return box;
  }

  function fieldsTable(m, extracted) {
    var table = el("table", "fields");
    var head = el("tr");
    ["field", "now", "as extracted"].forEach(function (h) { head.appendChild(el("th", null, h)); });
    table.appendChild(head);
    var shown = BOOT.editable.concat(["geo_precision", "lat", "lon", "quote"]);
    shown.forEach(function (f) {
      var now = m[f], was = extracted ? extracted[f] : null;
      if ((now === null || now === undefined || now === "") && (was === null || was === undefined)) return;
      var tr = el("tr");
      tr.setAttribute("data-field", f);
      tr.appendChild(el("th", null, words(f)));
      tr.appendChild(el("td", null, now === null ? "" : now));
      var changed = extracted && String(was === null ? "" : was) !== String(now === null ? "" : now);
      tr.appendChild(el("td", changed ? "changed" : "same", changed ? (was === null ? "(empty)" : was) : ""));
      table.appendChild(tr);
    });
    return table;
  }

  function eventBox(ev, self) {
    var box = el("div", "event");
    box.appendChild(el("h3", null, "Event " + ev.event_id + " (" + ev.mentions.length + " mention" +
      (ev.mentions.length === 1 ? "" : "s") + ", as of the last run)"));
    var ul = el("ul");
    ev.mentions.forEach(function (o) {
      var li = el("li", o.id === self ? "self" : null);
      li.appendChild(el("b", null, o.id === self ? "this mention" : o.id));
      li.appendChild(document.createTextNode(" · " + o.source + " · " + o.date_start + " · " + (o.place || "")));
      li.appendChild(el("q", null, o.quote));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    return box;
  }

  function historyBox(rows) {
    var box = el("div", "history");
    box.appendChild(el("h3", null, rows.length ? "Decisions" : "No decision yet"));
    var ol = el("ol");
    rows.forEach(function (r) {
      var li = el("li", r.undone ? "undone" : null);
      var what = r.action + (r.field ? " " + r.field + " = " + (r.value === "" || r.value === null ? "(empty)" : r.value) :
        (r.action === "merge" || r.action === "undo" ? " " + r.value : ""));
      li.appendChild(el("span", null, r.at.replace("T", " ").slice(0, 19) + " · " + r.who + " · " + what +
        (r.note ? " · " + r.note : "") + (r.undone ? " (undone)" : "")));
      ol.appendChild(li);
    });
    box.appendChild(ol);
    return box;
  }

  // ---- decisions ---------------------------------------------------------------------------------
  function current() { return state.current && state.current.summary; }

  function after(summary, advance, text) {
    updateItem(summary);
    say(text, "info");
    if (summary.removed) { select(Math.min(state.index, state.items.length - 1)); return; }
    if (advance) select(state.index + 1); else { state.form = null; loadMention(summary.id); }
  }

  function busy() {
    if (state.pending) say("Still loading: try again in a moment.", "info");
    return state.pending > 0;
  }

  function decide(action, extra) {
    var s = current();
    if (!s || busy()) return;
    var body = Object.assign({ mention_id: s.id, version: s.version, action: action }, extra || {});
    api("POST", "/api/decide", body).then(function (summary) {
      var text = { confirm: "Confirmed.", drop: "Marked as not an event.", split: "Kept apart from other events.",
        merge: "Merged.", set: "Saved." }[action];
      after(summary, action === "confirm" || action === "drop", text + " " + summary.id);
    }).catch(function (err) {
      failed(err);
      if (err.status === 409) loadMention(s.id).then(function () { updateItem(state.current.summary); });
    });
  }

  function undo() {
    var s = current();
    if (!s || busy()) return;
    api("POST", "/api/undo", { mention_id: s.id, version: s.version }).then(function (summary) {
      after(summary, false, summary.removed ? "The added event is taken back." : "Undone.");
    }).catch(function (err) {
      failed(err);
      if (err.status === 409) loadMention(s.id);
    });
  }

  // ---- forms: edit, merge, add ---------------------------------------------------------------------
  function field(form, name, value, kind) {
    var lab = el("label", "field");
    lab.appendChild(el("span", null, words(name)));
    var input;
    if (kind === "type") {
      input = el("select");
      Object.keys(BOOT.types).forEach(function (t) { var o = el("option", null, t); o.value = t; input.appendChild(o); });
    } else if (kind === "subtype") {
      input = el("select");
    } else if (kind === "precision") {
      input = el("select");
      BOOT.precisions.forEach(function (p) { var o = el("option", null, p); o.value = p; input.appendChild(o); });
    } else {
      input = el("input");
      input.type = "text";
      if (/^date_/.test(name)) input.placeholder = "YYYY-MM-DD";
    }
    input.name = name;
    input.id = form.prefix + name;
    input.value = value === null || value === undefined ? "" : String(value);
    lab.appendChild(input);
    form.inputs[name] = input;
    return lab;
  }

  function fillSubtypes(form, chosen) {
    var sub = form.inputs.subtype, type = form.inputs.event_type.value;
    clear(sub);
    (BOOT.types[type] || []).forEach(function (t) { var o = el("option", null, words(t)); o.value = t; sub.appendChild(o); });
    if (chosen && (BOOT.types[type] || []).indexOf(chosen) >= 0) sub.value = chosen;
  }

  function formShell(title, prefix, submit) {
    var form = { node: el("div", "form"), inputs: {}, prefix: prefix, submit: submit };
    form.node.id = prefix + "form";
    form.node.appendChild(el("h3", null, title));
    return form;
  }

  function showForm(form, label, focus) {
    formButtons(form, label);
    form.focus = focus;
    state.form = form;
    renderDetail();
  }

  function formButtons(form, label) {
    var row = el("div", "buttons");
    var ok = el("button", null, label + " (Enter)");
    ok.type = "button";
    ok.addEventListener("click", form.submit);
    var cancel = el("button", null, "Cancel (Esc)");
    cancel.type = "button";
    cancel.addEventListener("click", closeForm);
    row.appendChild(ok); row.appendChild(cancel);
    form.node.appendChild(row);
  }

  function fieldGrid(form, names, values) {
    var grid = el("div", "grid");
    names.forEach(function (f) {
      var kind = f === "event_type" ? "type" : f === "subtype" ? "subtype" : f === "date_precision" ? "precision" : null;
      grid.appendChild(field(form, f, values[f], kind));
    });
    form.node.appendChild(grid);
    if (form.inputs.event_type && form.inputs.subtype) {
      fillSubtypes(form, values.subtype);
      form.inputs.event_type.addEventListener("change", function () { fillSubtypes(form); });
    }
    if (form.inputs.date_start && form.inputs.date_end) {   // a one-day event moves as one
      var last = form.inputs.date_start.value;
      form.inputs.date_start.addEventListener("input", function () {
        if (form.inputs.date_end.value === last) form.inputs.date_end.value = form.inputs.date_start.value;
        last = form.inputs.date_start.value;
      });
    }
    var note = field(form, "note", "", null);
    note.classList.add("wide");
    form.node.appendChild(note);
  }

  function openEdit() {
    if (!state.current) return;
    var m = state.current.mention;
    var form = formShell("Edit this mention (only changed fields are saved)", "edit-", function () {
      var fields = {};
      BOOT.editable.forEach(function (f) {
        var was = m[f] === null || m[f] === undefined ? "" : String(m[f]);
        if (form.inputs[f].value.trim() !== was) fields[f] = form.inputs[f].value.trim();
      });
      if (!Object.keys(fields).length) { say("Nothing changed.", "info"); return; }
      decide("set", { fields: fields, note: form.inputs.note.value });
    });
    fieldGrid(form, BOOT.editable, m);
    showForm(form, "Save", form.inputs.event_type);
  }

  function openMerge() {
    if (!state.current) return;
    var form = formShell("Merge: this mention is the same occurrence as another event", "merge-", function () {
      var other = form.inputs.other.value.trim();
      if (!other) { say("Give an event id (e_...) or a mention id (m_...).", "error"); return; }
      decide("merge", { other: other, note: form.inputs.note.value });
    });
    form.node.appendChild(field(form, "other", "", null));
    var list = el("ul", "candidates");
    state.current.candidates.forEach(function (c) {
      var li = el("li");
      var b = el("button", "small", "Merge with " + c.event_id);
      b.type = "button";
      b.addEventListener("click", function () { form.inputs.other.value = c.event_id; form.submit(); });
      li.appendChild(b);
      li.appendChild(document.createTextNode(" " + c.date_start + " · " + (c.place || "") + " · " + c.n_mentions +
        " mention(s)"));
      li.appendChild(el("q", null, c.quote));
      list.appendChild(li);
    });
    if (!state.current.candidates.length) list.appendChild(el("li", null, "No event of this type and country within a week."));
    form.node.appendChild(list);
    form.node.appendChild(field(form, "note", "", null));
    showForm(form, "Merge", form.inputs.other);
  }

  // The selection inside the source text, as offsets into the source (each segment knows its start).
  function offsetOf(node, off) {
    var ctx = document.getElementById("context");
    if (node === ctx) {
      var segs = ctx.children;
      if (off < segs.length) return +segs[off].getAttribute("data-start");
      var lastSeg = segs[segs.length - 1];
      return +lastSeg.getAttribute("data-start") + lastSeg.textContent.length;
    }
    var seg = node.nodeType === 3 ? node.parentNode : node;
    if (!seg || !seg.getAttribute || seg.parentNode !== ctx) return null;
    var start = +seg.getAttribute("data-start");
    return node.nodeType === 3 ? start + off : start + (off ? seg.textContent.length : 0);
  }

  function selection() {
    var ctx = document.getElementById("context"), sel = window.getSelection();
    if (!ctx || ctx.getAttribute("data-selectable") !== "1" || !sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
    var r = sel.getRangeAt(0);
    if (!ctx.contains(r.startContainer) || !ctx.contains(r.endContainer)) return null;
    var a = offsetOf(r.startContainer, r.startOffset), b = offsetOf(r.endContainer, r.endOffset);
    if (a === null || b === null || b <= a) return null;
    var c = state.current.context;
    return { start: a, end: b, quote: c.text.slice(a - c.start, b - c.start) };
  }

  function openAdd() {
    if (!state.current) return;
    var sel = selection();
    if (!sel) { say("Select the sentence of the missing event in the source text first, then press a.", "error"); return; }
    var m = state.current.mention;
    var form = formShell("Add the event this selection reports", "add-", function () {
      var fields = {};
      BOOT.add_fields.forEach(function (f) { if (form.inputs[f].value.trim()) fields[f] = form.inputs[f].value.trim(); });
      api("POST", "/api/add", { source: m.source, char_start: sel.start, char_end: sel.end, quote: sel.quote,
        fields: fields, note: form.inputs.note.value }).then(function (summary) {
        updateItem(summary);
        state.form = null;
        say("Added event " + summary.id + " (it joins the events at the next run).", "info");
        loadMention(current().id);
      }).catch(failed);
    });
    form.node.appendChild(el("blockquote", "selected", sel.quote));
    var values = { event_type: m.event_type, country: m.country, date_precision: "day" };
    fieldGrid(form, BOOT.add_fields, values);
    showForm(form, "Add event", form.inputs.event_type);
  }

  function closeForm() {
    if (!state.form) return;
    state.form = null;
    renderDetail();
  }

  function reloadData() {
    api("POST", "/api/reload", {}).then(function (d) {
      showData(d);
      say(d.reloaded ? "Database read again." : "A run holds the database; the data read before stays shown.", "info");
      if (d.reloaded) loadQueue(true);
    }).catch(failed);
  }

  function toggleHelp() { ui.help.classList.toggle("hidden"); }

  // ---- keys --------------------------------------------------------------------------------------
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var t = ev.target, tag = t && t.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") {
      if (ev.key === "Escape") { ev.preventDefault(); if (state.form) closeForm(); else t.blur(); }
      else if (ev.key === "Enter" && state.form && state.form.node.contains(t)) { ev.preventDefault(); state.form.submit(); }
      return;
    }
    var actions = { j: function () { select(state.index + 1); }, k: function () { select(state.index - 1); },
      c: function () { decide("confirm"); }, x: function () { decide("drop"); }, e: openEdit,
      s: function () { decide("split"); }, m: openMerge, a: openAdd, u: undo, R: reloadData, "?": toggleHelp,
      Escape: closeForm };
    var act = actions[ev.key];
    if (!act) return;
    ev.preventDefault();
    act();
  });

  build();
  setPending(0);
  loadQueue(true).then(function () { document.body.setAttribute("data-review-ready", "1"); });
})();
