// One small bar chart per indicator: last year, the previous period, this period.
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("programme-charts");
    if (!window.Chart || !node) { return; }
    var charts = JSON.parse(node.textContent);
    charts.forEach(function (chart) {
      var canvas = document.querySelector('canvas[data-chart="' + chart.key + '"]');
      if (!canvas) { return; }
      new window.Chart(canvas, {
        type: "bar",
        data: {
          labels: canvas.dataset.labels.split("|"),
          datasets: [{ data: chart.values, backgroundColor: ["#9aa5c4", "#6b7bb0", "#3b4f8c"] }]
        },
        options: { animation: false, maintainAspectRatio: false, plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true } } }
      });
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
