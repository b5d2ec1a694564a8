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

    /* A category axis beside the plot (the criteria's names) gets at most half of the canvas's width: a name longer
       than that was drawn past the canvas's left edge, cut. Each name is wrapped onto lines that fit. */
    function wrappedTicks() {
      return {
        autoSkip: false,
        callback: function (value) {
          var label = String(this.getLabelForValue(value));
          var ctx = this.chart.ctx;
          var limit = this.chart.width / 2 - (this.options.ticks.padding || 0) - (this.options.grid.tickLength || 0) - 8;
          ctx.save();
          ctx.font = Chart.helpers.toFont(this.options.ticks.font).string;
          var lines = [];
          var line = "";
          label.split(/\s+/).forEach(function (word) {
            var candidate = line ? line + " " + word : word;
            if (line && ctx.measureText(candidate).width > limit) {
              lines.push(line);
              line = word;
            } else {
              line = candidate;
            }
          });
          lines.push(line);
          ctx.restore();
          return lines.length > 1 ? lines : lines[0];
        }
      };
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
        scales: { x: { min: 0, max: 100, ticks: valueTicks("%") }, y: { ticks: wrappedTicks() } }
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

  /* Printing: the browser lays the page out for paper only after «beforeprint», so a chart cannot measure its printed
     column then (Chart.js's documentation, «Printing Resizable Charts»). Each chart is drawn at the size of half an A4
     page's width (print.css: two charts a row; a tall chart twice as high) and print.css scales it to the column,
     keeping its proportions; after printing it fits its box on screen again. */
  var PRINT_SIZE = { width: 330, height: 235, tall: 470 };

  function eachChart(fn) {
    if (typeof window.Chart !== "undefined") {
      Object.keys(Chart.instances).forEach(function (id) { fn(Chart.instances[id]); });
    }
  }
  var animations = {};
  window.addEventListener("beforeprint", function () {
    eachChart(function (chart) {
      var tall = chart.canvas.parentElement.classList.contains("tall");
      animations[chart.id] = chart.options.animation;
      chart.stop(); // paper gets the finished drawing, not a frame of an animation
      chart.options.animation = false;
      chart.resize(PRINT_SIZE.width, tall ? PRINT_SIZE.tall : PRINT_SIZE.height);
    });
  });
  window.addEventListener("afterprint", function () {
    eachChart(function (chart) {
      chart.options.animation = animations[chart.id];
      chart.resize();
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
