// The incident map. Without a configured tile server there are no streets: the city's outline
// on a plain background, with one marker per incident on the page (the table below always lists
// the same incidents, so the map is never the only way to reach one). Incidents at the same
// block (published positions are rounded, so they often coincide) are gathered in one cluster
// that opens when it is clicked or reached with the keyboard.
(function () {
  "use strict";
  var element = document.getElementById("incident-map");
  var data = document.getElementById("map-points");
  if (!element || !data || typeof L === "undefined") { return; }
  var points = JSON.parse(data.textContent);
  var bounds = JSON.parse(element.dataset.bounds);
  var map = L.map(element, { scrollWheelZoom: false, maxZoom: 18 });  // clustering needs a maxZoom even without tiles
  var tileUrl = element.dataset.tileUrl;
  if (tileUrl) {
    L.tileLayer(tileUrl, { maxZoom: 18 }).addTo(map);
  } else {
    L.rectangle(bounds, { color: "#565c65", weight: 2, fill: false, interactive: false }).addTo(map);
  }
  var clusterLabel = element.dataset.labelCluster;
  var layer = typeof L.markerClusterGroup === "function" ? L.markerClusterGroup({
    spiderfyOnMaxZoom: true,
    showCoverageOnHover: false,
    iconCreateFunction: function (cluster) {
      var count = cluster.getChildCount();
      var size = count < 10 ? "small" : (count < 100 ? "medium" : "large");
      var html = document.createElement("div");
      var number = document.createElement("span");
      number.textContent = String(count);
      html.appendChild(number);
      return L.divIcon({ html: html.outerHTML, className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40) });
    }
  }) : L.layerGroup();
  var markers = points.map(function (p) {
    var marker = L.marker([p.lat, p.lon], { title: p.ref + " – " + p.where, alt: p.ref + " – " + p.where });
    var link = document.createElement("a");
    link.href = p.url;
    link.textContent = p.ref + " – " + p.where;
    marker.bindPopup(link);
    layer.addLayer(marker);
    return marker;
  });
  // A cluster icon is a keyboard button (Leaflet gives it tabindex and role); give it a name.
  map.on("layeradd", function (event) {
    var icon = event.layer && event.layer._icon;
    if (icon && event.layer.getChildCount) {
      icon.setAttribute("aria-label", clusterLabel + " " + event.layer.getChildCount());
    }
  });
  map.fitBounds(bounds);
  layer.addTo(map);  // a cluster group needs the map's view set first
  element.dataset.markers = String(markers.length);
  element.dataset.ready = "true";
})();
