// Staff footage upload: tus-js-client (vendored) against /api/uploads/, one row per file with a
// progress bar and pause/resume. Choosing the same file again resumes it, in this browser or any
// other: the server is asked for the user's unfinished upload of a file with this name, size and
// SHA-256 of its first and last MiB; this browser's localStorage is only the fallback.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.tus) { return; }
  var endpoint = form.dataset.endpoint;
  var csrf = form.dataset.csrf;
  var list = document.getElementById("upload-list");
  var template = document.getElementById("upload-row");
  var formError = document.getElementById("form-error");
  // Each chunk costs the server a claim, an fsync and a commit; a PATCH cut off mid-way keeps the
  // bytes that arrived (tests/footage/test_tus_real_server.py), so a bad connection loses none.
  var CHUNK = 128 * 1024 * 1024;

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

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function fingerprintOf(file) {
    var MIB = 1024 * 1024;
    if (!window.crypto || !crypto.subtle) { return Promise.resolve(""); }
    return Promise.all([file.slice(0, Math.min(MIB, file.size)).arrayBuffer(), file.slice(Math.max(0, file.size - MIB)).arrayBuffer()])
      .then(function (parts) {
        var joined = new Uint8Array(parts[0].byteLength + parts[1].byteLength);
        joined.set(new Uint8Array(parts[0]), 0);
        joined.set(new Uint8Array(parts[1]), parts[0].byteLength);
        return crypto.subtle.digest("SHA-256", joined);
      })
      .then(hex)
      .catch(function () { return ""; });
  }

  function unfinishedOnServer(file, fingerprint, meta) {
    if (!fingerprint) { return Promise.resolve(null); }
    var query = "?fingerprint=" + fingerprint + "&filename=" + encodeURIComponent(file.name) + "&length=" + file.size;
    return fetch(endpoint + query, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { results: [] }; })
      .then(function (data) {
        return (data.results || []).filter(function (u) {
          return String(u.incident) === String(meta.incident) && u.kind === meta.kind;
        })[0] || null;
      })
      .catch(function () { return null; });
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
    list.appendChild(row);
    row.querySelector(".upload-status").textContent = "Looking for an earlier upload of this file";
    fingerprintOf(file).then(function (fingerprint) {
      return unfinishedOnServer(file, fingerprint, meta).then(function (found) { startRow(file, meta, fingerprint, found, row); });
    });
  }

  function startRow(file, meta, fingerprint, found, row) {
    var progress = row.querySelector(".upload-progress");
    var status = row.querySelector(".upload-status");
    var pause = row.querySelector(".upload-pause");
    var resume = row.querySelector(".upload-resume");

    var upload = new tus.Upload(file, {
      endpoint: endpoint,
      chunkSize: CHUNK,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      headers: { "X-CSRFToken": csrf },
      uploadUrl: found ? found.url : null,
      metadata: { filename: file.name, incident: meta.incident, kind: meta.kind, device_id: meta.device_id, fingerprint: fingerprint },
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
        row.querySelector(".upload-actions").remove();  // nothing left to pause or resume
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
        var response = error && error.originalResponse;
        var code = response ? response.getStatus() : 0;
        // A refusal of the file itself will not change on a retry: no Resume for it.
        var rejected = code >= 400 && code < 500 && [409, 423, 429].indexOf(code) < 0;
        status.textContent = (rejected ? "Rejected: " : "Not uploaded: ") + serverMessage(error);
        pause.hidden = true;
        resume.hidden = rejected;
        if (rejected) { row.querySelector(".upload-actions").remove(); }
        row.dataset.state = rejected ? "rejected" : "error";
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

    if (found) {
      status.textContent = "Resuming an earlier upload of this file from " + Math.floor(found.offset * 100 / found.length) + "%";
      row.dataset.resumedFrom = String(found.offset);
      upload.start();
      return;
    }
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
        li.textContent = u.filename + ": " + Math.floor(u.offset * 100 / u.length) + "% received (" + (u.incident_reference || "incident " + u.incident) + ")";
        ul.appendChild(li);
      });
      section.hidden = false;
    })
    .catch(function () { /* the list is a courtesy */ });
})();
