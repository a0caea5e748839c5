/* The plan map's editor (jurisdiction.outputs.editor): move villages between centres by hand.
 *
 * Figures follow jurisdiction.outputs.adjustment / districts.district_table: per district the
 * number of villages, population, incidents, max minutes, population-weighted mean minutes
 * (the plain mean when the district has no population), officers needed
 * ceil(population / 1e4 * ratio); overall the villages beyond the limit (minutes > limit) and the
 * districts in more than one piece on the village adjacency. A move recomputes the two districts
 * it touches only. Names arrive HTML-escaped from Python; ids are set as text. Nothing is sent
 * anywhere: "download pins" builds the CSV in the page.
 * Scripting API: window.jurisdictionEditor.move(villageId, stationId), .moveMany(ids, stationId),
 * .undo(), .redo(), .figures(), .assignment(), .pinsCsv(), .downloadPins(), .setAdjust(on), .select(ids).
 */
(function () {
  "use strict";

  var RED = "#d00000";

  function decodeFloat64(b64) {
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { bytes[i] = bin.charCodeAt(i); }
    return new Float64Array(bytes.buffer);
  }

  function escapeText(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function fmtMinutes(x) {
    if (x === null || Number.isNaN(x)) { return "—"; }
    return x === Infinity ? "∞" : x.toFixed(1);
  }

  function fmtCount(x) {
    return (x === null || Number.isNaN(x)) ? "—" : Math.round(x).toLocaleString("en-US");
  }

  function Editor(map, data) {
    var v = data.villages, c = data.centres;
    this.map = map;
    this.data = data;
    this.labels = data.labels;
    this.n = v.ids.length;
    this.k = c.ids.length;
    this.minutes = decodeFloat64(data.minutes);
    this.population = Float64Array.from(v.population);
    this.incidents = Float64Array.from(v.incidents);
    this.indptr = Int32Array.from(data.adjacency.indptr);
    this.indices = Int32Array.from(data.adjacency.indices);
    this.original = Int32Array.from(data.assignment);
    this.assign = Int32Array.from(data.assignment);
    this.villageIndex = new Map(v.ids.map(function (id, i) { return [id, i]; }));
    this.centreIndex = new Map(c.ids.map(function (id, j) { return [id, j]; }));
    this.members = [];
    for (var j = 0; j < this.k; j++) { this.members.push(new Set()); }
    for (var i = 0; i < this.n; i++) { if (this.assign[i] >= 0) { this.members[this.assign[i]].add(i); } }
    this.stats = new Array(this.k);
    this.cut = new Uint8Array(this.n);      // 1: outside the main piece of its district
    this.seen = new Int32Array(this.n);     // BFS marks (generation numbers)
    this.generation = 0;
    this.beyond = 0;
    for (i = 0; i < this.n; i++) { if (this.isBeyond(i)) { this.beyond++; } }
    this.undoStack = [];
    this.redoStack = [];
    this.selection = new Set();
    this.adjust = false;
    for (j = 0; j < this.k; j++) { this.computeDistrict(j); }
    this.buildLayer();
    this.buildPanel();
    this.buildSwitch();
    this.bindKeys();
    this.bindBoxSelect();
    this.renderAll();
  }

  Editor.prototype.minutesOf = function (i, j) { return j < 0 ? Infinity : this.minutes[i * this.k + j]; };

  Editor.prototype.isBeyond = function (i) {
    var limit = this.data.limit;
    return limit !== null && this.minutesOf(i, this.assign[i]) > limit;
  };

  /* The figures of district j from its members (the same definitions as district_table). */
  Editor.prototype.computeDistrict = function (j) {
    var count = 0, pop = 0, inc = 0, weighted = 0, plain = 0, max = -Infinity;
    var self = this;
    this.members[j].forEach(function (i) {
      var m = self.minutesOf(i, j), p = self.population[i], w = m * p;
      count++; pop += p; inc += self.incidents[i]; plain += m;
      if (!Number.isNaN(w)) { weighted += w; }   // pandas' sum skips NaN (0 people x infinite minutes)
      if (m > max) { max = m; }
    });
    var ratio = this.data.officers_per_10k;
    var s = {
      villages: count, population: pop, incidents: inc,
      max_minutes: count ? max : null,
      mean_minutes: count ? (pop > 0 ? weighted / pop : plain / count) : null,
      officers_needed: ratio ? Math.ceil(pop / 1e4 * ratio) : null,
      pieces: this.markPieces(j)
    };
    this.stats[j] = s;
    return s;
  };

  /* Pieces of district j on the adjacency; marks villages outside the main piece (the piece of
   * the centre's own village, else the largest) in this.cut. Returns the number of pieces. */
  Editor.prototype.markPieces = function (j) {
    var self = this, pieces = [], anchor = this.data.centres.village[j];
    this.members[j].forEach(function (start) {
      if (self.seen[start] === self.generation + 1) { return; }
      var piece = [start], head = 0;
      self.seen[start] = self.generation + 1;
      while (head < piece.length) {
        var a = piece[head++];
        for (var e = self.indptr[a]; e < self.indptr[a + 1]; e++) {
          var b = self.indices[e];
          if (self.assign[b] === j && self.seen[b] !== self.generation + 1) {
            self.seen[b] = self.generation + 1;
            piece.push(b);
          }
        }
      }
      pieces.push(piece);
    });
    this.generation++;
    var main = 0;
    for (var p = 0; p < pieces.length; p++) {
      if (pieces[p].indexOf(anchor) >= 0) { main = p; break; }
      if (pieces[p].length > pieces[main].length) { main = p; }
    }
    for (p = 0; p < pieces.length; p++) {
      for (var q = 0; q < pieces[p].length; q++) { this.cut[pieces[p][q]] = p === main ? 0 : 1; }
    }
    return pieces.length;
  };

  /* Move villages (row indices) to centres (one target index each); one undo step. */
  Editor.prototype.apply = function (rows, targets, record, full) {
    var touched = new Set(), changed = [], from = [];
    for (var t = 0; t < rows.length; t++) {
      var i = rows[t], j = targets[t], old = this.assign[i];
      if (old === j) { continue; }
      var wasBeyond = this.isBeyond(i);
      if (old >= 0) { this.members[old].delete(i); touched.add(old); }
      this.members[j].add(i);
      touched.add(j);
      this.assign[i] = j;
      this.beyond += (this.isBeyond(i) ? 1 : 0) - (wasBeyond ? 1 : 0);
      changed.push(i);
      from.push(old);
    }
    if (!changed.length) { return false; }
    this.unsaved = true;
    if (record) {
      this.undoStack.push({rows: changed, from: from, to: changed.map(function (i) { return this.assign[i]; }, this)});
      this.redoStack = [];
    }
    if (full) {  // the baseline: every district and every village again
      for (var d = 0; d < this.k; d++) { this.computeDistrict(d); }
      this.renderAll();
      return true;
    }
    var restyle = new Set(changed), self = this;
    touched.forEach(function (d) {
      var before = new Map();
      self.members[d].forEach(function (i) { before.set(i, self.cut[i]); });
      self.computeDistrict(d);
      before.forEach(function (cut, i) { if (self.cut[i] !== cut) { restyle.add(i); } });
    });
    restyle.forEach(function (i) { self.styleVillage(i); });
    touched.forEach(function (d) { self.renderRow(d); });
    this.renderOverall();
    return true;
  };

  Editor.prototype.rowOf = function (villageId) {
    var i = this.villageIndex.get(String(villageId));
    if (i === undefined) { throw new Error("unknown village " + villageId); }
    return i;
  };

  Editor.prototype.centreOf = function (stationId) {
    var j = this.centreIndex.get(String(stationId));
    if (j === undefined) { throw new Error("not a centre of the plan: " + stationId); }
    return j;
  };

  Editor.prototype.moveMany = function (villageIds, stationId, options) {
    var rows = villageIds.map(this.rowOf, this), j = this.centreOf(stationId);
    var moved = this.apply(rows, rows.map(function () { return j; }), true, options && options.full);
    if (moved && this.selection.size) { this.select([]); }  // the moved villages show their new colour
    return moved;
  };

  Editor.prototype.move = function (villageId, stationId, options) {
    return this.moveMany([villageId], stationId, options);
  };

  Editor.prototype.undo = function () {
    var step = this.undoStack.pop();
    if (!step) { return false; }
    this.redoStack.push(step);
    this.apply(step.rows, step.from, false);
    this.renderPicker();
    return true;
  };

  Editor.prototype.redo = function () {
    var step = this.redoStack.pop();
    if (!step) { return false; }
    this.undoStack.push(step);
    this.apply(step.rows, step.to, false);
    this.renderPicker();
    return true;
  };

  Editor.prototype.figures = function () {
    var self = this, disconnected = 0;
    var districts = this.data.centres.ids.map(function (id, j) {
      var s = self.stats[j];
      if (s.pieces > 1) { disconnected++; }
      return {centre: id, villages: s.villages, population: s.population, incidents: s.incidents,
              max_minutes: s.max_minutes, mean_minutes: s.mean_minutes, officers_needed: s.officers_needed,
              connected: s.pieces <= 1};
    });
    return {districts: districts, beyond_limit: this.data.limit === null ? null : this.beyond,
            split_villages: 0, disconnected: disconnected, moved: this.movedRows().length};
  };

  /* village id -> centre station id, every village. */
  Editor.prototype.assignment = function () {
    var out = {}, ids = this.data.villages.ids, centres = this.data.centres.ids;
    for (var i = 0; i < this.n; i++) { out[ids[i]] = this.assign[i] >= 0 ? centres[this.assign[i]] : null; }
    return out;
  };

  Editor.prototype.movedRows = function () {
    var rows = [];
    for (var i = 0; i < this.n; i++) { if (this.assign[i] !== this.original[i]) { rows.push(i); } }
    return rows;
  };

  /* The pins file: UTF-8 with BOM, village_id,station_id,locked; a row per village moved. */
  Editor.prototype.pinsCsv = function () {
    var ids = this.data.villages.ids, centres = this.data.centres.ids;
    var quote = function (s) { return /[",\r\n]/.test(s) ? "\"" + s.replace(/"/g, "\"\"") + "\"" : s; };
    var lines = ["village_id,station_id,locked"];
    this.movedRows().forEach(function (i) {
      lines.push(quote(ids[i]) + "," + quote(centres[this.assign[i]]) + ",true");
    }, this);
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  };

  Editor.prototype.downloadPins = function () {
    var blob = new Blob([this.pinsCsv()], {type: "text/csv;charset=utf-8"});
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = "pins.csv";
    document.body.appendChild(a);
    a.click();
    this.unsaved = false;
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  };

  /* ---- drawing ---- */

  /* Fill: the centre's colour; edge: black when selected, red when beyond the limit or cut off
   * from its district, dark grey when moved by hand, else white. */
  Editor.prototype.villageStyle = function (i) {
    var j = this.assign[i], beyond = this.isBeyond(i), cut = this.cut[i] === 1, picked = this.selection.has(i);
    var moved = j !== this.original[i];
    return {
      fillColor: j >= 0 ? this.data.centres.colours[j] : "#ffffff", fillOpacity: moved ? 0.8 : 0.6,
      color: picked ? "#000000" : (beyond || cut) ? RED : moved ? "#333333" : "#ffffff",
      weight: picked ? 3 : (beyond || cut) ? 3 : moved ? 2 : 0.8,
      dashArray: cut && !picked ? "5 4" : null, opacity: 1
    };
  };

  Editor.prototype.styleVillage = function (i) {
    var layer = this.layers[i];
    if (layer) { layer.setStyle(this.villageStyle(i)); }
  };

  Editor.prototype.buildLayer = function () {
    var self = this, v = this.data.villages;
    this.map.createPane("jdEditor").style.zIndex = 450;
    this.renderer = L.svg({pane: "jdEditor"});
    this.group = L.featureGroup();
    this.layers = new Array(this.n);
    for (var i = 0; i < this.n; i++) {
      if (!v.geometry[i]) { continue; }
      var layer = L.geoJSON({type: "Feature", geometry: v.geometry[i], properties: {}}, {
        pane: "jdEditor", renderer: this.renderer, style: this.villageStyle(i),
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, {radius: 6, pane: "jdEditor"}); }
      });
      layer.jdRow = i;
      layer.bindTooltip(this.tooltip.bind(this, i), {sticky: true});
      layer.on("click", function (e) { self.clickVillage(this.jdRow, e.originalEvent); });
      this.layers[i] = layer;
      this.group.addLayer(layer);
    }
  };

  /* Village name (id) · its centre now · minutes from it (names escaped in Python). */
  Editor.prototype.tooltip = function (i) {
    var j = this.assign[i], m = this.minutesOf(i, j);
    return this.data.villages.names[i] + " (" + escapeText(this.data.villages.ids[i]) + ")<br>" +
      (j >= 0 ? this.data.centres.names[j] : "—") + " · " +
      (m === Infinity ? this.labels.unreachable : fmtMinutes(m) + " " + this.labels.minutes);
  };

  Editor.prototype.clickVillage = function (i, event) {
    if (this.boxed) { return; }  // the click that ends a Shift+drag box
    if (event && event.shiftKey) {
      if (this.selection.has(i)) { this.selection.delete(i); } else { this.selection.add(i); }
      this.styleVillage(i);
    } else {
      this.select([this.data.villages.ids[i]]);
      return;
    }
    this.renderPicker();
  };

  Editor.prototype.select = function (villageIds) {
    var old = Array.from(this.selection);
    this.selection = new Set(villageIds.map(this.rowOf, this));
    old.forEach(this.styleVillage, this);
    this.selection.forEach(this.styleVillage, this);
    this.renderPicker();
  };

  Editor.prototype.setAdjust = function (on) {
    this.adjust = !!on;
    this.toggle.checked = this.adjust;
    this.panel.style.display = this.adjust ? "block" : "none";
    document.body.classList.toggle("jd-adjusting", this.adjust);  // the panel replaces layer control and legend
    if (this.adjust) {
      this.group.addTo(this.map);
      this.map.boxZoom.disable();
    } else {
      this.group.remove();
      this.map.boxZoom.enable();
    }
  };

  Editor.prototype.buildSwitch = function () {
    var self = this, Control = L.Control.extend({
      onAdd: function () {
        var box = L.DomUtil.create("label", "jd-editor-switch leaflet-bar");
        self.toggle = L.DomUtil.create("input", "", box);
        self.toggle.type = "checkbox";
        box.appendChild(el("span", "", " " + self.labels.adjust));
        L.DomEvent.disableClickPropagation(box);
        L.DomEvent.on(self.toggle, "change", function () { self.setAdjust(self.toggle.checked); });
        return box;
      }
    });
    new Control({position: "topleft"}).addTo(this.map);
  };

  /* Shift + drag: select the villages whose middle lies in the box. */
  Editor.prototype.bindBoxSelect = function () {
    var self = this, container = this.map.getContainer(), start = null, box = null;
    container.addEventListener("mousedown", function (e) {
      if (!self.adjust || !e.shiftKey || e.button !== 0) { return; }
      start = self.map.mouseEventToLatLng(e);
      box = L.rectangle(L.latLngBounds(start, start), {color: "#000", weight: 1, dashArray: "4 3", fill: false,
                                                     interactive: false}).addTo(self.map);
      self.map.dragging.disable();
      e.stopPropagation();
    }, true);
    document.addEventListener("mousemove", function (e) {
      if (start) { box.setBounds(L.latLngBounds(start, self.map.mouseEventToLatLng(e))); }
    });
    document.addEventListener("mouseup", function (e) {
      if (!start) { return; }
      var bounds = L.latLngBounds(start, self.map.mouseEventToLatLng(e));
      start = null;
      box.remove();
      self.map.dragging.enable();
      if (bounds.getNorthEast().equals(bounds.getSouthWest())) { return; }  // a click, not a box
      self.boxed = true;
      setTimeout(function () { self.boxed = false; }, 0);
      var ids = Array.from(self.selection).map(function (i) { return self.data.villages.ids[i]; });
      self.layers.forEach(function (layer, i) {
        if (layer && bounds.contains(layer.getBounds().getCenter())) { ids.push(self.data.villages.ids[i]); }
      });
      self.select(ids);
    });
  };

  Editor.prototype.bindKeys = function () {
    var self = this;
    window.addEventListener("beforeunload", function (e) {  // edits not downloaded would be lost
      if (self.unsaved && self.movedRows().length) { e.preventDefault(); e.returnValue = ""; }
    });
    document.addEventListener("keydown", function (e) {
      if (!self.adjust) { return; }
      var key = e.key.toLowerCase();
      if ((e.ctrlKey || e.metaKey) && key === "z" && !e.shiftKey) { self.undo(); e.preventDefault(); }
      else if ((e.ctrlKey || e.metaKey) && (key === "y" || (key === "z" && e.shiftKey))) { self.redo(); e.preventDefault(); }
      else if (key === "escape") { self.select([]); }
    });
  };

  /* ---- the panel ---- */

  Editor.prototype.buildPanel = function () {
    var self = this, L_ = this.labels;
    var panel = this.panel = el("div", "jd-editor");
    panel.style.display = "none";
    L.DomEvent.disableClickPropagation(panel);
    L.DomEvent.disableScrollPropagation(panel);
    panel.appendChild(el("h4", "", L_.title));
    var tools = el("div", "jd-editor-tools");
    [["undo", function () { self.undo(); }], ["redo", function () { self.redo(); }],
     ["download", function () { self.downloadPins(); }]].forEach(function (b) {
      var button = el("button", "jd-editor-" + b[0], L_[b[0]]);
      button.type = "button";
      button.addEventListener("click", b[1]);
      tools.appendChild(button);
      self[b[0] + "Button"] = button;
    });
    panel.appendChild(tools);
    panel.appendChild(el("div", "jd-editor-hint", L_.hint));
    this.picker = el("div", "jd-editor-picker");
    panel.appendChild(this.picker);
    this.overall = el("table", "jd-editor-overall");
    panel.appendChild(this.overall);
    var table = el("table", "jd-editor-districts"), head = el("tr");
    [L_.district, L_.villages, L_.population, L_.incidents, L_.max_minutes, L_.mean_minutes,
     L_.officers_needed].forEach(function (h) { head.appendChild(el("th", "", h)); });
    table.appendChild(head);
    this.rows = this.data.centres.ids.map(function (id, j) {
      var tr = el("tr"), name = el("td", "jd-editor-name");
      name.innerHTML = "<span class=\"jd-editor-sw\" style=\"background:" + self.data.centres.colours[j] +
        "\"></span>" + self.data.centres.names[j];  // names escaped in Python
      tr.appendChild(name);
      var cells = [];
      for (var q = 0; q < 6; q++) { cells.push(tr.appendChild(el("td"))); }
      table.appendChild(tr);
      return {tr: tr, cells: cells};
    });
    panel.appendChild(table);
    this.map.getContainer().appendChild(panel);
  };

  Editor.prototype.renderRow = function (j) {
    var s = this.stats[j], row = this.rows[j], limit = this.data.limit;
    var values = [fmtCount(s.villages), fmtCount(s.population), fmtCount(s.incidents), fmtMinutes(s.max_minutes),
                  fmtMinutes(s.mean_minutes), fmtCount(s.officers_needed)];
    for (var q = 0; q < 6; q++) { row.cells[q].textContent = values[q]; }
    var late = limit !== null && s.max_minutes !== null && s.max_minutes > limit;
    row.cells[3].className = late ? "jd-editor-bad" : "";
    row.tr.className = s.pieces > 1 ? "jd-editor-bad-row" : "";
    row.tr.title = s.pieces > 1 ? this.labels.disconnected : "";
  };

  Editor.prototype.renderOverall = function () {
    var f = this.figures(), L_ = this.labels, t = this.overall;
    var items = [[this.data.limit === null ? L_.no_limit : L_.beyond_limit.replace("{limit}", this.data.limit),
                  f.beyond_limit === null ? "—" : f.beyond_limit, f.beyond_limit > 0],
                 [L_.split_villages, f.split_villages, false],
                 [L_.disconnected, f.disconnected, f.disconnected > 0],
                 [L_.moved, f.moved, false]];
    t.textContent = "";
    items.forEach(function (item) {
      var tr = el("tr", item[2] ? "jd-editor-bad" : "");
      tr.appendChild(el("th", "", item[0]));
      tr.appendChild(el("td", "", String(item[1])));
      t.appendChild(tr);
    });
    this.undoButton.disabled = !this.undoStack.length;
    this.redoButton.disabled = !this.redoStack.length;
  };

  Editor.prototype.renderAll = function () {
    for (var i = 0; i < this.n; i++) { this.styleVillage(i); }
    for (var j = 0; j < this.k; j++) { this.renderRow(j); }
    this.renderOverall();
    this.renderPicker();
  };

  /* The centres for the selection, nearest first (mean minutes over the selection). */
  Editor.prototype.renderPicker = function () {
    var self = this, L_ = this.labels, rows = Array.from(this.selection), box = this.picker;
    box.textContent = "";
    if (!rows.length) { box.appendChild(el("div", "jd-editor-hint", L_.none_selected)); return; }
    var names = rows.slice(0, 5).map(function (i) { return self.data.villages.names[i]; }).join("、");
    var head = el("div", "jd-editor-selected");
    head.innerHTML = "<b>" + names + (rows.length > 5 ? " …" : "") + "</b> ";  // names escaped in Python
    head.appendChild(el("span", "", L_.selected.replace("{n}", rows.length)));
    box.appendChild(head);
    var order = this.data.centres.ids.map(function (id, j) {
      var sum = 0, max = -Infinity;
      rows.forEach(function (i) { var m = self.minutesOf(i, j); sum += m; if (m > max) { max = m; } });
      return {j: j, mean: sum / rows.length, max: max};
    }).sort(function (a, b) { return a.mean - b.mean || a.max - b.max; });
    var list = el("div", "jd-editor-centres");
    order.forEach(function (o) {
      var button = el("button", "jd-editor-centre");
      button.type = "button";
      var current = rows.every(function (i) { return self.assign[i] === o.j; });
      var when = o.mean === Infinity ? L_.unreachable : rows.length === 1 ? fmtMinutes(o.mean) + " " + L_.minutes
        : L_.mean_max.replace("{mean}", fmtMinutes(o.mean)).replace("{max}", fmtMinutes(o.max));
      var late = self.data.limit !== null && o.max > self.data.limit;
      button.innerHTML = "<span class=\"jd-editor-sw\" style=\"background:" + self.data.centres.colours[o.j] +
        "\"></span>" + self.data.centres.names[o.j];  // names escaped in Python
      button.appendChild(el("span", late ? "jd-editor-when jd-editor-bad" : "jd-editor-when",
                            when + (current ? " · " + L_.now : "")));
      button.disabled = current;
      button.dataset.centre = self.data.centres.ids[o.j];
      button.addEventListener("click", function () {
        self.moveMany(rows.map(function (i) { return self.data.villages.ids[i]; }), self.data.centres.ids[o.j]);
      });
      list.appendChild(button);
    });
    box.appendChild(list);
  };

  window.jurisdictionEditor = {
    init: function (map, data) {
      var editor = new Editor(map, data);
      ["move", "moveMany", "undo", "redo", "figures", "assignment", "pinsCsv", "downloadPins", "setAdjust",
       "select"]
        .forEach(function (name) { window.jurisdictionEditor[name] = editor[name].bind(editor); });
      window.jurisdictionEditor.editor = editor;
      return editor;
    }
  };
}());
