/* trustreach dashboard charts: draws every <canvas data-chart> with the vendored Chart.js.
 * The numbers come from the canvas's data-labels and data-values attributes (JSON), so the
 * page needs no inline script; each chart has a table of the same numbers beside it. */
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return;
  }
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var labels, values;
    try {
      labels = JSON.parse(canvas.getAttribute("data-labels") || "[]");
      values = JSON.parse(canvas.getAttribute("data-values") || "[]");
    } catch (error) {
      return;
    }
    var kind = canvas.getAttribute("data-chart") === "bar" ? "bar" : "line";
    new window.Chart(canvas, {
      type: kind,
      data: {
        labels: labels,
        datasets: [{
          label: canvas.getAttribute("data-series") || "",
          data: values,
          borderColor: "#0b57a4",
          backgroundColor: kind === "bar" ? "#0b57a4" : "rgba(11, 87, 164, 0.15)",
          pointRadius: labels.length > 60 ? 0 : 2,
          fill: kind === "line"
        }]
      },
      options: {
        animation: reduceMotion ? false : undefined,
        maintainAspectRatio: false,
        indexAxis: kind === "bar" ? "y" : "x",
        plugins: { legend: { display: false } },
        scales: kind === "bar" ? { x: { min: 0, max: 100 } } : { x: { ticks: { maxTicksLimit: 8 } } }
      }
    });
  });
})();
