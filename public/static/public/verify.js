// Progressive enhancement for the "check a file" page: hash the chosen file in the browser
// (crypto.subtle, available on HTTPS and localhost) and send only its SHA-256, so a large video
// is not uploaded. Without this script the form uploads the file and the server hashes it.
(function () {
  "use strict";
  var form = document.getElementById("verify-form");
  var script = document.getElementById("verify-script");
  if (!form || !window.crypto || !window.crypto.subtle || !window.FileReader) { return; }
  var fileInput = form.querySelector("input[type=file]");
  var shaInput = form.querySelector("input[name=sha256]");
  var status = document.getElementById("hash-status");
  if (!fileInput || !shaInput) { return; }
  fileInput.addEventListener("change", function () {
    var file = fileInput.files && fileInput.files[0];
    if (!file) { return; }
    status.textContent = script.dataset.hashing;
    file.arrayBuffer().then(function (buffer) {
      return window.crypto.subtle.digest("SHA-256", buffer);
    }).then(function (digest) {
      shaInput.value = Array.from(new Uint8Array(digest)).map(function (b) {
        return b.toString(16).padStart(2, "0");
      }).join("");
      fileInput.value = "";
      status.textContent = script.dataset.done;
    }).catch(function () { status.textContent = ""; });
  });
})();
