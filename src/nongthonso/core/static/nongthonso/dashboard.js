/* Dashboard charts (Chart.js 4, served by the app). The data comes from the JSON blob the page embeds
   with Django's json_script (#dashboard-data); every label is already translated by the server. Each
   canvas has an aria-label and a table with the same figures, so nothing here is the only source. */
(function () {
  "use strict";

  function start() {
    var blob = document.getElementById("dashboard-data");
    if (!blob || typeof window.Chart === "undefined") {
      return;
    }
    var data = JSON.parse(blob.textContent);
    var lang = document.documentElement.lang || "vi";
    var locale = lang.indexOf("en") === 0 ? "en-GB" : "vi-VN";
    var number = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    var green = "#1b6b3a";
    var light = "#8fc19f";
    var amber = "#a15c00";

    Chart.defaults.locale = locale;
    Chart.defaults.font.family = 'system-ui, "Segoe UI", Roboto, "Noto Sans", sans-serif';
    Chart.defaults.maintainAspectRatio = false;

    function draw(id, config) {
      var canvas = document.getElementById(id);
      if (canvas) {
        new Chart(canvas, config);
      }
    }

    function valueTicks(suffix) {
      return { callback: function (value) { return number.format(value) + (suffix || ""); } };
    }

    draw("chart-histogram", {
      type: "bar",
      data: {
        labels: data.histogram.labels,
        datasets: [{ label: data.histogram.series, data: data.histogram.values, backgroundColor: green }]
      },
      options: {
        plugins: { legend: { display: false } },
        scales: {
          x: { title: { display: true, text: data.histogram.x } },
          y: { beginAtZero: true, title: { display: true, text: data.histogram.y }, ticks: { precision: 0 } }
        }
      }
    });

    draw("chart-shares", {
      type: "bar",
      data: {
        labels: data.shares.labels,
        datasets: [{ label: data.shares.series, data: data.shares.values, backgroundColor: green }]
      },
      options: {
        indexAxis: "y",
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (ctx) { return number.format(ctx.parsed.x) + "%"; } } }
        },
        scales: { x: { min: 0, max: 100, ticks: valueTicks("%") }, y: { ticks: { autoSkip: false } } }
      }
    });

    draw("chart-trend", {
      type: "line",
      data: {
        labels: data.trend.labels,
        datasets: [
          { label: data.trend.ntm_series, data: data.trend.ntm, borderColor: green, backgroundColor: green,
            yAxisID: "y", tension: 0.2 },
          { label: data.trend.avg_series, data: data.trend.avg, borderColor: amber, backgroundColor: amber,
            yAxisID: "y1", spanGaps: true, tension: 0.2 }
        ]
      },
      options: {
        interaction: { mode: "index", intersect: false },
        scales: {
          y: { beginAtZero: true, position: "left", ticks: { precision: 0 },
               title: { display: true, text: data.trend.ntm_series } },
          y1: { beginAtZero: true, position: "right", grid: { drawOnChartArea: false }, ticks: valueTicks(""),
                title: { display: true, text: data.trend.avg_series } }
        }
      }
    });

    draw("chart-registrations", {
      type: "bar",
      data: {
        labels: data.registrations.labels,
        datasets: [
          { label: data.registrations.registered_series, data: data.registrations.registered, backgroundColor: light },
          { label: data.registrations.recognised_series, data: data.registrations.recognised, backgroundColor: green }
        ]
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
