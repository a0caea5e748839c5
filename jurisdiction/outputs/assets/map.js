/* jurisdiction maps: labels that move or hide on overlap, synchronised panes, one centre's isochrones,
   the print view. Plain Leaflet 1.9, no other library, inlined into every map. */
var jd = {maps: []};

/* A map of the page: fitted to its data on print and when the print view ends. */
jd.register = function (map, bounds) {
  map.jdBounds = bounds;
  jd.maps.push(map);
};

/* Labels of `group` (markers with a DivIcon) that overlap a label placed before them move half
   a line up or down, else hide; markers come in order of priority. Run after each zoom and
   resize, and when shown. */
jd.declutter = function (group) {
  var clashes = function (r, kept) {
    return kept.some(function (k) {
      return r.left < k.right && r.right > k.left && r.top < k.bottom && r.bottom > k.top;
    });
  };
  var run = function () {
    var kept = [];
    group.eachLayer(function (marker) {
      var el = marker.getElement();
      if (!el) { return; }
      var text = el.firstElementChild || el;
      el.style.visibility = 'visible';
      var placed = [0, -0.6, 0.6, -1.2, 1.2].some(function (shift) {
        text.style.marginTop = shift + 'em';
        var r = text.getBoundingClientRect();
        if (clashes(r, kept)) { return false; }
        kept.push(r);
        return true;
      });
      if (!placed) { text.style.marginTop = '0'; el.style.visibility = 'hidden'; }
    });
  };
  var bind = function () { group._map.on('zoomend resize', run); group._map.whenReady(run); };
  group.on('add', bind);
  group.on('remove', function () { group._map.off('zoomend resize', run); });
  if (group._map) { bind(); }
};

/* Two maps that follow each other: centre and zoom (pan and zoom either one). */
jd.sync = function (a, b) {
  var busy = false;
  var follow = function (from, to) {
    from.on('move zoomend', function () {
      if (busy) { return; }
      busy = true;
      to.setView(from.getCenter(), from.getZoom(), {animate: false});
      busy = false;
    });
  };
  follow(a, b);
  follow(b, a);
};

/* One station's isochrone bands at a time, chosen in a select; the district fills fade while
   bands are shown so that the two do not mix. */
jd.bands = function (map, select, groups, fills) {
  var shown = null;
  select.addEventListener('change', function () {
    if (shown) { map.removeLayer(shown); }
    shown = groups[select.value] || null;
    if (shown) { shown.addTo(map); shown.eachLayer(function (l) { if (l.bringToBack) { l.bringToBack(); } }); }
    fills.forEach(function (layer) { layer.setStyle({fillOpacity: shown ? 0.08 : 0.45}); });
    select.closest('.jd-bands').classList.toggle('jd-bands-on', !!shown);
  });
};

/* The print view (A3 landscape): the page class sets the size, every map refits to its data. */
jd.printView = function (on) {
  document.documentElement.classList.toggle('jd-print', on);
  if (on && jd.maps.length === 1) {  // a single map prints its legend open; side-by-side panes as shown
    document.querySelectorAll('.jd-legend details').forEach(function (d) { d.open = true; });
  }
  jd.maps.forEach(function (map) {
    map.invalidateSize({animate: false, pan: false});
    if (map.jdBounds) { map.fitBounds(map.jdBounds, {animate: false}); }
  });
};
jd.print = function () {
  jd.printView(true);
  window.setTimeout(function () { window.print(); }, 400);
};
window.addEventListener('beforeprint', function () { jd.printView(true); });
window.addEventListener('afterprint', function () { jd.printView(false); });

/* A box in a corner of the map (legend, north arrow, isochrone picker) from HTML escaped in
   Python; clicks and wheel turns inside it do not move the map. */
jd.control = function (map, position, className, html) {
  var control = L.control({position: position});
  control.onAdd = function () {
    var box = L.DomUtil.create('div', className);
    box.innerHTML = html;
    L.DomEvent.disableClickPropagation(box);
    L.DomEvent.disableScrollPropagation(box);
    return box;
  };
  control.addTo(map);
  return control.getContainer();
};
