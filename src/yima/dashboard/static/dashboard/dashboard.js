/* The dashboard's map (Leaflet) and trend charts (ECharts). Data comes from json_script blocks
   and two same-origin JSON endpoints; no inline script, no CDN, no tiles unless configured. */
(function () {
  "use strict";

  function readJSON(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) throw new Error(url + ": " + r.status);
        return r.json();
      });
  }

  // --- Map ---

  function popup(point, cfg, labels) {
    var box = document.createElement("div");
    box.className = "dash-popup";
    var name = document.createElement("b");
    name.textContent = point.name;
    var code = document.createElement("span");
    code.className = "code";
    code.textContent = point.display_code || point.code;
    var state = document.createElement("span");
    state.className = "dash-popup-state state-" + point.state;
    state.textContent = labels[point.state] || point.state;
    var link = document.createElement("a");
    link.href = point.url;
    link.textContent = cfg.open + " ›";
    [name, code, state, link].forEach(function (el) { box.appendChild(el); });
    return box;
  }

  function initMap() {
    var el = document.getElementById("dash-map");
    var cfg = readJSON("dash-map-config");
    if (!el || !cfg || !window.L) return;
    var map = L.map(el, { attributionControl: Boolean(cfg.tiles), scrollWheelZoom: false, zoomSnap: 0.25 });
    if (cfg.tiles) {
      L.tileLayer(cfg.tiles, { attribution: cfg.attribution, maxZoom: 18 }).addTo(map);
    }
    map.setView([28.68, 115.89], 8); // until the data arrives
    var colours = {};
    var labels = {};
    cfg.states.forEach(function (s) { colours[s.key] = s.colour; labels[s.key] = s.label; });

    Promise.all([getJSON(cfg.counties), getJSON(cfg.points)]).then(function (answers) {
      var counties = L.geoJSON(answers[0], {
        style: { className: "dash-county", color: "#0f4a2a", weight: 1.5, fillColor: "#e8f3ec", fillOpacity: 0.55 },
        onEachFeature: function (feature, layer) {
          // A string would be set as HTML: a region named <img onerror=...> must stay text.
          var label = document.createElement("span");
          label.textContent = feature.properties.name;
          layer.bindTooltip(label, { sticky: true });
        },
      }).addTo(map);
      var markers = L.featureGroup();
      var found = answers[1];
      // Thousands of SVG circles make the page crawl: draw them on one canvas instead (the
      // marker classes then exist only in SVG, for a few hundred).
      var renderer = found.points.length > 500 ? L.canvas({ padding: 0.2 }) : undefined;
      found.points.forEach(function (p) {
        var lat = parseFloat(p.lat), lon = parseFloat(p.lon);
        if (isNaN(lat) || isNaN(lon)) return;
        L.circleMarker([lat, lon], {
          className: "dash-marker dash-marker-" + p.state,
          renderer: renderer,
          radius: renderer ? 4 : 6, color: "#fff", weight: renderer ? 1 : 1.5,
          fillColor: colours[p.state] || "#667085", fillOpacity: 0.95,
        }).bindPopup(function () { return popup(p, cfg, labels); }).addTo(markers);
      });
      if (found.total > found.points.length) {
        var limited = document.createElement("p");
        limited.className = "dash-map-limited";
        limited.textContent = cfg.limited
          .replace("%(shown)s", found.points.length.toLocaleString())
          .replace("%(total)s", found.total.toLocaleString());
        el.parentNode.insertBefore(limited, el.nextSibling);
      }
      markers.addTo(map);
      var bounds = markers.getLayers().length ? markers.getBounds() : counties.getBounds();
      if (counties.getLayers().length && markers.getLayers().length < 3) bounds = counties.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds.pad(0.05));
      el.setAttribute("data-ready", String(markers.getLayers().length));
      if (!markers.getLayers().length) {
        var note = document.createElement("p");
        note.className = "dash-map-empty";
        note.textContent = cfg.empty;
        el.parentNode.insertBefore(note, el.nextSibling);
      }
    }).catch(function (err) {
      el.setAttribute("data-error", String(err));
    });
  }

  // --- Trend charts ---

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el) return null;
    var c = echarts.init(el, null, { renderer: "canvas" });
    c.setOption(option);
    return c;
  }

  function base(data, extra) {
    var option = {
      animation: false,
      color: ["#98a2b3", "#17643a", "#dc6803"],
      tooltip: { trigger: "axis" },
      legend: { top: 0, itemWidth: 14, itemHeight: 10 },
      grid: { left: 8, right: 12, top: 34, bottom: 4, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { formatter: function (v, i) { return data.months[i].slice(2); } } },
      yAxis: { type: "value", minInterval: 1 },
    };
    Object.keys(extra).forEach(function (k) { option[k] = extra[k]; });
    return option;
  }

  function initCharts() {
    var data = readJSON("dash-trend");
    if (!data || !window.echarts) return;
    var n = data.names;
    var charts = [
      chart("chart-inspections", base(data, { series: [
        { name: n.inspections_due, type: "bar", data: data.inspections_due },
        { name: n.inspections_done, type: "bar", data: data.inspections_done },
        { name: n.inspections_on_time, type: "line", data: data.inspections_on_time, symbolSize: 6 },
      ] })),
      chart("chart-reports", base(data, { color: ["#dc6803", "#17643a"], series: [
        { name: n.reports_opened, type: "bar", data: data.reports_opened },
        { name: n.reports_resolved, type: "bar", data: data.reports_resolved },
      ] })),
      chart("chart-compliance", base(data, {
        color: ["#17643a"],
        yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        series: [{ name: n.compliance, type: "line", data: data.compliance, connectNulls: true, areaStyle: { opacity: 0.12 }, symbolSize: 7, showAllSymbol: true }],
      })),
    ].filter(Boolean);
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  function start() {
    initMap();
    initCharts();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
