// Charts and the map of the patterns page, drawn from the JSON the page carries.
// Everything is served from our own origin; the map fetches no tiles.
(function () {
  "use strict";
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  // Chart.js gives the labels of a horizontal bar chart at most half the chart's width
  // and cuts longer ones off on the left: wrap each into lines that fit that room,
  // between words (Intl.Segmenter finds them in Burmese or Thai, which use no spaces).
  function pieces(text, granularity) {
    if (window.Intl && Intl.Segmenter) {
      var segmenter = new Intl.Segmenter(document.documentElement.lang || undefined, { granularity: granularity });
      return Array.from(segmenter.segment(text), function (part) { return part.segment; });
    }
    return granularity === "word" ? text.split(/(\s+)/) : Array.from(text);
  }
  function wrap(text, room, measure) {
    var lines = [], line = "";
    pieces(text, "word").forEach(function (word) {
      if (measure(line + word) <= room) { line += word; return; }
      if (line.trim()) { lines.push(line.trim()); }
      line = "";
      pieces(word.trim(), "grapheme").forEach(function (letter) {
        if (line && measure(line + letter) > room) { lines.push(line); line = ""; }
        line += letter;
      });
    });
    if (line.trim()) { lines.push(line.trim()); }
    return lines;
  }
  function wrappedLabels(canvas, labels) {
    var font = window.Chart.helpers.toFont(window.Chart.defaults.font).string;
    var context = document.createElement("canvas").getContext("2d");
    context.font = font;
    var room = Math.max(60, canvas.parentNode.clientWidth * 0.42);
    return labels.map(function (label) {
      return wrap(label, room, function (text) { return context.measureText(text).width; });
    });
  }
  function drawCharts(chart) {
    if (!window.Chart || !chart) { return; }
    var months = document.getElementById("chart-months");
    if (months) {
      new window.Chart(months, {
        type: "bar",
        data: {
          labels: chart.months,
          datasets: [
            { type: "line", label: months.dataset.cases, data: chart.cases, borderColor: "#1a1a1a" },
            { label: months.dataset.abuses, data: chart.abuses, backgroundColor: "#b3261e" },
            { label: months.dataset.positives, data: chart.positives, backgroundColor: "#1b6e3a" }
          ]
        },
        options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } }
      });
    }
    var kinds = document.getElementById("chart-violations");
    if (kinds) {
      new window.Chart(kinds, {
        type: "bar",
        data: {
          labels: wrappedLabels(kinds, chart.violations.map(function (row) { return row[0]; })),
          datasets: [{ label: kinds.dataset.label, data: chart.violations.map(function (row) { return row[1]; }), backgroundColor: "#3b4f8c" }]
        },
        options: {
          indexAxis: "y", animation: false, maintainAspectRatio: false,
          plugins: { legend: { display: false } },
          scales: { y: { ticks: { font: { lineHeight: 1.7 } } } }  // room for Burmese and Telugu marks
        }
      });
    }
  }
  function shade(n, most) {
    if (!n) { return "#f2f2f2"; }
    var steps = ["#fde0dc", "#f9a197", "#e5533f", "#b3261e", "#6e1510"];
    return steps[Math.min(steps.length - 1, Math.floor((n / most) * (steps.length - 1)))];
  }
  function drawMap(areas) {
    var box = document.getElementById("map");
    if (!window.L || !box || !areas || !areas.features.length) { return; }
    var most = Math.max.apply(null, areas.features.map(function (f) { return f.properties.n; }).concat([1]));
    var map = window.L.map(box, { attributionControl: false, zoomSnap: 0.25 });
    var layer = window.L.geoJSON(areas, {
      style: function (feature) {
        return { color: "#555", weight: 1, fillOpacity: 0.8, fillColor: shade(feature.properties.n, most) };
      },
      onEachFeature: function (feature, shape) {
        // A node, not a string: Leaflet would read a string as HTML, and area names
        // are typed by people.
        var label = document.createElement("span");
        label.textContent = feature.properties.name + ": " + feature.properties.n;
        shape.bindTooltip(label);
      }
    }).addTo(map);
    map.fitBounds(layer.getBounds());
    box.dataset.drawn = String(areas.features.length);
  }
  document.addEventListener("DOMContentLoaded", function () {
    drawCharts(data("patterns-chart"));
    drawMap(data("patterns-map"));
  });
})();
