// Staff footage upload: tus-js-client (vendored) against /api/uploads/, one row per file with a
// progress bar and pause/resume. The upload URL of each file is remembered in localStorage under a
// fingerprint of (incident, kind, file), so choosing the same file again after a reload resumes it.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.tus) { return; }
  var endpoint = form.dataset.endpoint;
  var csrf = form.dataset.csrf;
  var list = document.getElementById("upload-list");
  var template = document.getElementById("upload-row");
  var formError = document.getElementById("form-error");
  var CHUNK = 32 * 1024 * 1024;

  function showFormError(text) {
    formError.textContent = text;
    formError.hidden = !text;
  }

  function humanBytes(n) {
    var units = ["bytes", "KB", "MB", "GB"];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
  }

  function serverMessage(error) {
    var response = error && error.originalResponse;
    if (!response) { return "The connection failed; it will be retried. You can also pause and resume."; }
    try {
      var body = JSON.parse(response.getBody() || "{}");
      if (body.detail) { return body.detail; }
    } catch (e) { /* not JSON */ }
    return "The server refused the upload (HTTP " + response.getStatus() + ").";
  }

  function addRow(file, meta) {
    var placeholder = document.getElementById("no-uploads");
    if (placeholder) { placeholder.remove(); }
    var row = template.content.firstElementChild.cloneNode(true);
    var id = "upload-" + Math.random().toString(36).slice(2);
    row.querySelector(".upload-name").textContent = file.name + " (" + humanBytes(file.size) + ")";
    var progress = row.querySelector(".upload-progress");
    progress.id = id;
    row.querySelector(".upload-label").setAttribute("for", id);
    var status = row.querySelector(".upload-status");
    var pause = row.querySelector(".upload-pause");
    var resume = row.querySelector(".upload-resume");
    list.appendChild(row);

    var upload = new tus.Upload(file, {
      endpoint: endpoint,
      chunkSize: CHUNK,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      headers: { "X-CSRFToken": csrf },
      metadata: { filename: file.name, incident: meta.incident, kind: meta.kind, device_id: meta.device_id },
      fingerprint: function (f) {
        return Promise.resolve(["footage", meta.incident, meta.kind, f.name, f.size, f.lastModified].join(":"));
      },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: function (sent, total) {
        var pct = total ? Math.floor(sent * 100 / total) : 100;
        progress.value = pct;
        status.textContent = "Uploading: " + pct + "% (" + humanBytes(sent) + " of " + humanBytes(total) + ")";
      },
      onSuccess: function (payload) {
        progress.value = 100;
        pause.hidden = true;
        resume.hidden = true;
        var location = payload && payload.lastResponse && payload.lastResponse.getHeader("Footage-Location");
        status.textContent = "Uploaded and verified. ";
        if (location) {
          var link = document.createElement("a");
          link.href = location;
          link.className = "usa-link";
          link.textContent = "Open " + file.name;
          status.appendChild(link);
        }
        row.dataset.state = "done";
      },
      onError: function (error) {
        status.textContent = "Not uploaded: " + serverMessage(error);
        pause.hidden = true;
        resume.hidden = false;
        row.dataset.state = "error";
      },
    });

    pause.addEventListener("click", function () {
      upload.abort();
      status.textContent = "Paused at " + progress.value + "%";
      pause.hidden = true;
      resume.hidden = false;
      resume.focus();
    });
    resume.addEventListener("click", function () {
      resume.hidden = true;
      pause.hidden = false;
      pause.focus();
      upload.start();
    });

    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) {
        upload.resumeFromPreviousUpload(previous[0]);
        status.textContent = "Resuming an earlier upload of this file";
      }
      upload.start();
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var files = document.getElementById("files").files;
    if (!files.length) { showFormError("Choose at least one file."); return; }
    showFormError("");
    var meta = {
      incident: form.incident.value,
      kind: form.kind.value,
      device_id: form.device_id.value.trim(),
    };
    Array.prototype.forEach.call(files, function (file) { addRow(file, meta); });
    form.reset();
  });

  // After a reload: list what the server still holds, so people know to pick those files again.
  fetch(endpoint, { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { return r.ok ? r.json() : { results: [] }; })
    .then(function (data) {
      if (!data.results || !data.results.length) { return; }
      var section = document.getElementById("unfinished");
      var ul = document.getElementById("unfinished-list");
      data.results.forEach(function (u) {
        var li = document.createElement("li");
        li.textContent = u.filename + ": " + Math.floor(u.offset * 100 / u.length) + "% received (incident " + u.incident + ")";
        ul.appendChild(li);
      });
      section.hidden = false;
    })
    .catch(function () { /* the list is a courtesy */ });
})();
