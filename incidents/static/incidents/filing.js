// The filing form: pick the place on a map (or type it; the fields stay the record), and add the
// people involved one after another. Without this script the form still works as typed fields.
(function () {
  "use strict";

  function placePicker() {
    var element = document.getElementById("place-map");
    var lat = document.getElementById("id_latitude");
    var lon = document.getElementById("id_longitude");
    if (!element || !lat || !lon || typeof L === "undefined") { return; }
    element.hidden = false;
    var bounds = JSON.parse(element.dataset.bounds);
    var map = L.map(element, { scrollWheelZoom: false, keyboard: true });
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, { maxZoom: 19 }).addTo(map);
    } else {
      L.rectangle(bounds, { color: "#565c65", weight: 2, fill: false, interactive: false }).addTo(map);
    }
    map.fitBounds(bounds);
    var marker = null;

    function show(latitude, longitude) {
      if (marker) { marker.setLatLng([latitude, longitude]); }
      else { marker = L.circleMarker([latitude, longitude], { radius: 8, color: "#1a4480", weight: 3 }).addTo(map); }
    }
    function fromFields() {
      var a = parseFloat(lat.value), b = parseFloat(lon.value);
      if (isFinite(a) && isFinite(b)) { show(a, b); }
    }
    map.on("click", function (event) {
      lat.value = event.latlng.lat.toFixed(6);
      lon.value = event.latlng.lng.toFixed(6);
      show(event.latlng.lat, event.latlng.lng);
      element.dataset.picked = lat.value + "," + lon.value;
      var status = document.getElementById("place-map-status");
      if (status) { status.textContent = "Place set to " + lat.value + ", " + lon.value + "."; }
    });
    lat.addEventListener("change", fromFields);
    lon.addEventListener("change", fromFields);
    fromFields();
    element.dataset.ready = "true";
  }

  function addAnotherPerson() {
    var button = document.getElementById("add-person");
    var template = document.getElementById("person-template");
    var list = document.getElementById("people-forms");
    var total = document.getElementById("id_people-TOTAL_FORMS");
    var max = document.getElementById("id_people-MAX_NUM_FORMS");
    if (!button || !template || !list || !total) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      if (max && index >= parseInt(max.value, 10)) { button.disabled = true; return; }
      var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
      var holder = document.createElement("div");
      holder.innerHTML = html;
      var fieldset = holder.firstElementChild;
      list.appendChild(fieldset);
      total.value = String(index + 1);
      var first = fieldset.querySelector("select, input, textarea");
      if (first) { first.focus(); }
    });
  }

  placePicker();
  addAnotherPerson();
})();
