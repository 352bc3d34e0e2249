// The incident map. Without a configured tile server there are no streets: the city's outline
// on a plain background, with one marker per incident on the page (the table below always lists
// the same incidents, so the map is never the only way to reach one).
(function () {
  "use strict";
  var element = document.getElementById("incident-map");
  var data = document.getElementById("map-points");
  if (!element || !data || typeof L === "undefined") { return; }
  var points = JSON.parse(data.textContent);
  var bounds = JSON.parse(element.dataset.bounds);
  var map = L.map(element, { scrollWheelZoom: false });
  var tileUrl = element.dataset.tileUrl;
  if (tileUrl) {
    L.tileLayer(tileUrl, { maxZoom: 18 }).addTo(map);
  } else {
    L.rectangle(bounds, { color: "#565c65", weight: 2, fill: false, interactive: false }).addTo(map);
  }
  var markers = points.map(function (p) {
    var marker = L.marker([p.lat, p.lon], { title: p.ref + " – " + p.where, alt: p.ref + " – " + p.where });
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.ref + " – " + p.where;
    marker.bindPopup(link);
    return marker.addTo(map);
  });
  map.fitBounds(bounds);
  element.dataset.markers = String(markers.length);
  element.dataset.ready = "true";
})();
