/* The OCOP statistics chart (Chart.js 4, served by the app): products in force by group, stacked by stars. The data
   comes from the JSON the page embeds with json_script (#ocop-stats-data), labels already translated by the server;
   the table under the canvas holds the same figures, so nothing here is the only source. */
(function () {
  "use strict";

  function start() {
    var blob = document.getElementById("ocop-stats-data");
    var canvas = document.getElementById("chart-ocop-groups");
    if (!blob || !canvas || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(blob.textContent);
    var lang = document.documentElement.lang || "vi";
    var number = new Intl.NumberFormat(lang.indexOf("en") === 0 ? "en-GB" : "vi-VN");
    var colours = ["#1b6b3a", "#4f9a68", "#8fc19f"];  // 5, 4, 3 stars
    Chart.defaults.maintainAspectRatio = false;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (series, i) {
          return { label: series.label, data: series.values, backgroundColor: colours[i % colours.length] };
        })
      },
      options: {
        responsive: true,
        scales: {
          x: { stacked: true, ticks: { autoSkip: false } },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: data.y },
               ticks: { precision: 0, callback: function (value) { return number.format(value); } } }
        },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
