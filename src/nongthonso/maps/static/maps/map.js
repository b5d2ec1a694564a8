/* The maps (maps/_map.html): fetch the layer's GeoJSON, draw it with Leaflet on a plain background (or the
   installation's tiles, data-tiles), the legend, the list of communes; a click opens the commune's scorecard. */
(function () {
  "use strict";

  function text(tag, content) {
    var node = document.createElement(tag);
    node.textContent = content;
    return node;
  }

  function legend(box, data) {
    box.textContent = "";
    var list = document.createElement("ul");
    data.legend.forEach(function (entry) {
      var item = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "map-swatch";
      swatch.style.backgroundColor = entry.color;
      item.appendChild(swatch);
      item.appendChild(document.createTextNode(entry.label));
      list.appendChild(item);
    });
    box.appendChild(list);
  }

  function table(body, data, wrap) {
    body.textContent = "";
    data.features.forEach(function (feature) {
      var row = document.createElement("tr");
      var name = document.createElement("th");
      name.scope = "row";
      if (feature.properties.url) {
        var link = text("a", feature.properties.name);
        link.href = feature.properties.url;
        name.appendChild(link);
      } else {
        name.textContent = feature.properties.name;
      }
      row.appendChild(name);
      row.appendChild(text("td", feature.properties.text));
      row.dataset.code = feature.properties.code;
      body.appendChild(row);
    });
  }

  function draw(wrap) {
    var canvas = wrap.querySelector(".map-canvas");
    var note = wrap.querySelector(".map-note");
    canvas.textContent = wrap.dataset.loading;
    var asked = performance.now();
    fetch(wrap.dataset.url, {credentials: "same-origin", headers: {Accept: "application/geo+json"}})
      .then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) { throw new Error(data.error || wrap.dataset.failed); }
          return data;
        });
      })
      .then(function (data) {
        var received = performance.now();
        canvas.textContent = "";
        var map = L.map(canvas, {attributionControl: false, zoomSnap: 0.25, preferCanvas: data.features.length > 2000});
        if (wrap.dataset.tiles) { L.tileLayer(wrap.dataset.tiles, {maxZoom: 18}).addTo(map); }
        var layer = L.geoJSON(data, {
          style: function (feature) {
            return {color: "#555", weight: 0.8, fillColor: feature.properties.color, fillOpacity: 0.85};
          },
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, {radius: 6});
          },
          onEachFeature: function (feature, shape) {
            var p = feature.properties;
            shape.bindTooltip(p.name + ": " + p.text, {sticky: true});
            if (p.url) { shape.on("click", function () { window.location.href = p.url; }); }
            shape.on("add", function () {
              var el = shape.getElement && shape.getElement();
              if (el) {
                el.setAttribute("data-code", p.code);
                el.setAttribute("aria-label", p.name + ": " + p.text + (p.url ? ". " + wrap.dataset.open : ""));
                if (!p.url) { el.classList.add("map-inert"); }
              }
            });
          }
        }).addTo(map);
        var bounds = layer.getBounds();
        if (bounds.isValid()) { map.fitBounds(bounds, {padding: [8, 8]}); } else { map.setView([21.6, 105.8], 9); }
        wrap.dataset.features = String(data.features.length);
        wrap.dataset.asOf = data.as_of;
        legend(wrap.querySelector(".map-legend"), data);
        table(wrap.querySelector(".map-table tbody"), data, wrap);
        var notes = [];
        if (data.synthetic) { notes.push(wrap.dataset.synthetic); }
        if (data.missing) { notes.push(data.missing + " " + wrap.dataset.missing); }
        if (notes.length) { note.textContent = notes.join(" "); note.hidden = false; }
        window.addEventListener("beforeprint", function () { map.invalidateSize(); map.fitBounds(bounds); });
        // ready once painted (two frames: the canvas renderer draws on the next one); the times for the benchmark
        requestAnimationFrame(function () {
          requestAnimationFrame(function () {
            wrap.dataset.loadMs = String(Math.round(received - asked));
            wrap.dataset.drawMs = String(Math.round(performance.now() - received));
            wrap.classList.add("map-ready");
          });
        });
      })
      .catch(function (error) {
        canvas.textContent = "";
        canvas.appendChild(text("p", error.message || wrap.dataset.failed)).className = "error";
      });
  }

  function start() {
    if (typeof L === "undefined") { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-map]"), draw);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
