// The analytics dashboard's charts (Chart.js, vendored). The data comes from the
// json_script "dashboard-charts"; each chart has its table on the page. A
// suppressed figure ("<5" or "x") is drawn as no bar and named in its label.
(function () {
  "use strict";
  var charts = [];

  function draw() {
    var source = document.getElementById("dashboard-charts");
    if (!source || typeof window.Chart === "undefined") return;
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
    JSON.parse(source.textContent).forEach(function (spec) {
      var canvas = document.getElementById(spec.id);
      if (!canvas) return;
      var labels = spec.labels.map(function (label, i) {
        return spec.values[i] === null ? label + " (" + spec.displays[i] + ")" : label;
      });
      canvas.dataset.labels = JSON.stringify(labels);
      charts.push(new window.Chart(canvas, {
        type: spec.type,
        data: {
          labels: labels,
          datasets: [{ label: spec.title, data: spec.values, borderWidth: 1, spanGaps: true }]
        },
        options: {
          animation: false,
          plugins: {
            legend: { display: false },
            tooltip: {
              callbacks: {
                label: function (ctx) { return spec.displays[ctx.dataIndex]; }
              }
            }
          },
          scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }
        }
      }));
    });
    document.body.dataset.chartsDrawn = String(charts.length);
  }

  document.addEventListener("DOMContentLoaded", draw);
  // Before htmx swaps the body in, let go of the old charts: htmx carries the old
  // canvases' attributes over to the new ones of the same id, and a style
  // attribute set that way is refused by the CSP.
  document.addEventListener("htmx:beforeSwap", function () {
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
    document.querySelectorAll("#dashboard-body canvas").forEach(function (canvas) {
      canvas.removeAttribute("style");
      canvas.removeAttribute("width");
      canvas.removeAttribute("height");
    });
  });
  document.addEventListener("htmx:afterSettle", draw);
})();
