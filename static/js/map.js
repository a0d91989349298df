// The regional map: district polygons (GeoJSON) on a plain background, no tile server.
// Data comes from the json_script element #district-map-data; the table beside the map has the same numbers.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("district-map");
    var source = document.getElementById("district-map-data");
    if (!holder || !source || typeof L === "undefined") {
      return;
    }
    var data = JSON.parse(source.textContent);
    holder.style.height = "480px";
    var map = L.map(holder, { attributionControl: false, zoomSnap: 0.25 });
    var max = 1;
    data.features.features.forEach(function (f) {
      max = Math.max(max, f.properties.unmet_needs || 0);
    });
    var layer = L.geoJSON(data.features, {
      style: function (feature) {
        var share = (feature.properties.unmet_needs || 0) / max;
        return { color: "#1f3a5f", weight: 2, fillColor: "#2b6cb0", fillOpacity: 0.1 + 0.6 * share };
      },
      onEachFeature: function (feature, polygon) {
        var p = feature.properties;
        // Area names come from the city's data: a DOM node with text, never HTML, so a name
        // like <img src=x onerror=...> shows as those characters.
        var label = document.createElement("span");
        label.appendChild(document.createTextNode(String(p.name)));
        label.appendChild(document.createElement("br"));
        label.appendChild(document.createTextNode(
          data.labels.unmet_needs + " " + p.unmet_needs + " / " + data.labels.resources + " " + p.resources
        ));
        polygon.bindTooltip(label, { permanent: true, direction: "center", className: "district-label" });
      },
    }).addTo(map);
    if (layer.getLayers().length) {
      map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    } else {
      map.setView([35.08, 137.16], 11);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
