/* The forecast page's charts (Chart.js 4, served by the app): for one commune, each main gap's values entered, its
   trend line, the 80% band of the simulated values and the threshold. The data comes from the JSON the page embeds
   with json_script (#forecast-data), labels already translated by the server; the table under each canvas holds the
   same figures, so nothing here is the only source. */
(function () {
  "use strict";

  function points(map, years) {
    return years.map(function (year) {
      var value = map[year];
      return value === undefined ? null : value;
    });
  }

  function draw(canvas, series, labels) {
    var years = Object.keys(series.trend).sort();
    var low = points(series.low, years);
    var high = points(series.high, years);
    new Chart(canvas, {
      type: "line",
      data: {
        labels: years,
        datasets: [
          { label: labels.band, data: high, borderWidth: 0, pointRadius: 0, backgroundColor: "rgba(79,154,104,0.25)",
            fill: "+1" },
          { label: labels.band, data: low, borderWidth: 0, pointRadius: 0, fill: false },
          { label: labels.trend, data: points(series.trend, years), borderColor: "#1b6b3a", borderDash: [6, 4],
            pointRadius: 0, fill: false },
          { label: labels.history, data: points(series.history, years), borderColor: "#1b4f8a", showLine: false,
            pointRadius: 4, fill: false },
          { label: labels.threshold, data: points(series.threshold, years), borderColor: "#b23b3b", pointRadius: 0,
            fill: false, spanGaps: true }
        ]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { position: "bottom", labels: { filter: function (item, data) {
          return item.datasetIndex !== 1;  // the band's lower edge shares the band's legend entry
        } } } }
      }
    });
  }

  function start() {
    var blob = document.getElementById("forecast-data");
    if (!blob || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(blob.textContent);
    document.querySelectorAll("canvas[data-series]").forEach(function (canvas) {
      var series = data.series[Number(canvas.getAttribute("data-series"))];
      if (series) {
        draw(canvas, series, data.labels);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
