// The coverage chart, drawn from the JSON the page carries; served from our origin.
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("coverage-chart");
    var canvas = document.getElementById("chart-coverage");
    if (!window.Chart || !node || !canvas) { return; }
    var chart = JSON.parse(node.textContent);
    new window.Chart(canvas, {
      type: "line",
      data: { labels: chart.days, datasets: [{ label: canvas.dataset.label, data: chart.pct, borderColor: "#1b6e3a" }] },
      options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true, suggestedMax: 100 } } }
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
