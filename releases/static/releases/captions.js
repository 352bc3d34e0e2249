/* Captions panel of the review page: edit cues (text, times, split, merge, sound cues), play the
   redacted copy from a cue, select words to hide, mark the captions reviewed. The server checks
   everything (releases.captions); this script only gathers input. Keyboard-complete: every action
   is a button or a field. */
(function () {
  "use strict";
  var root = document.getElementById("captions");
  if (!root) return;
  var review = document.getElementById("review");
  var csrf = review.querySelector("input[name=csrfmiddlewaretoken]").value;
  var video = document.getElementById("redacted-video") || document.getElementById("proxy-video");
  var statusEl = document.getElementById("captions-status");
  var rows = document.getElementById("cue-rows");
  var wordList = document.getElementById("word-list");
  var selectionEl = document.getElementById("word-selection");
  var cues = [], words = [], editable = false, first = null, last = null;

  function say(text, isError) { statusEl.textContent = text; statusEl.className = isError ? "is-error" : ""; }
  function send(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          var errs = j.errors || {}, msgs = [];
          Object.keys(errs).forEach(function (k) { msgs.push(errs[k].join(" ")); });
          throw new Error(msgs.join(" ") || j.detail || ("Refused (" + r.status + ")."));
        }
        return j;
      });
    });
  }
  function load() {
    return fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("Could not load the captions (" + r.status + ")."); return r.json(); })
      .then(show).catch(function (e) { say(e.message, true); });
  }
  function show(d) {
    var t = d.transcript;
    if (!t) {
      var job = d.drafting;
      if (!job) { say("No captions yet: they are drafted when the render finishes."); return; }
      say(job.state === "running"
        ? "Drafting the captions from the release copy: " + job.percent + "% done. Updating every 2 seconds."
        : "The captions are waiting for a worker to draft them. Updating every 2 seconds.");
      window.setTimeout(load, 2000);
      return;
    }
    editable = d.editable;
    cues = t.cues.map(function (c) { return { start: c.start, end: c.end, text: c.text, kind: c.kind }; });
    words = t.words;
    var state = t.status_label + ". ";
    if (t.reviewed) state += t.stated_no_speech ? "Stated to have no speech by " + t.reviewed_by + "." : "Reviewed by " + t.reviewed_by + ".";
    else if (t.status === "speech" || t.status === "unreadable") state += "Machine draft, not yet reviewed by a person. " + (d.approval_problem || "");
    if (t.problem) state += " " + t.problem;
    say(state);
    var reason = document.getElementById("hide-reason");
    reason.replaceChildren();
    (d.hide_reasons || []).forEach(function (r) { var o = document.createElement("option"); o.value = r.value; o.textContent = r.label; reason.appendChild(o); });
    renderCues(); renderWords(); renderSuggestions(d.suggestions || []);
  }

  function cell(row, child) { var td = document.createElement("td"); td.appendChild(child); row.appendChild(td); return td; }
  function button(label, onClick) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "usa-button usa-button--unstyled margin-right-1"; b.textContent = label;
    b.addEventListener("click", onClick); return b;
  }
  function field(value, cls, label, onChange) {
    var i = document.createElement("input");
    i.className = "usa-input " + cls; i.value = value; i.setAttribute("aria-label", label); i.disabled = !editable;
    i.addEventListener("change", function () { onChange(i.value); });
    return i;
  }
  function renderCues() {
    rows.replaceChildren();
    cues.forEach(function (c, n) {
      var tr = document.createElement("tr");
      cell(tr, field(c.start.toFixed(2), "cue-time", "Cue " + (n + 1) + " starts at (seconds)", function (v) { c.start = parseFloat(v); }));
      cell(tr, field(c.end.toFixed(2), "cue-time", "Cue " + (n + 1) + " ends at (seconds)", function (v) { c.end = parseFloat(v); }));
      var text = field(c.text, "cue-text", "Cue " + (n + 1) + " text", function (v) { c.text = v; });
      text.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); c.text = text.value; save(); } });
      cell(tr, text);
      var actions = document.createElement("div");
      actions.appendChild(button("Play", function () { video.currentTime = c.start; video.play(); }));
      if (editable) {
        actions.appendChild(button("Split", function () { split(n); }));
        if (n + 1 < cues.length) actions.appendChild(button("Merge with next", function () { merge(n); }));
        actions.appendChild(button("Delete", function () { cues.splice(n, 1); renderCues(); }));
      }
      cell(tr, actions);
      rows.appendChild(tr);
    });
  }
  function split(n) {
    var c = cues[n], parts = c.text.split(" "), half = Math.max(1, Math.floor(parts.length / 2));
    var mid = Math.round(((c.start + c.end) / 2) * 100) / 100;
    cues.splice(n, 1, { start: c.start, end: mid, text: parts.slice(0, half).join(" ") || c.text, kind: c.kind },
      { start: mid, end: c.end, text: parts.slice(half).join(" ") || c.text, kind: c.kind });
    renderCues();
  }
  function merge(n) {
    var a = cues[n], b = cues[n + 1];
    cues.splice(n, 2, { start: a.start, end: b.end, text: a.text + " " + b.text, kind: a.kind === b.kind ? a.kind : "speech" });
    renderCues();
  }
  function save() {
    return send(root.dataset.save, { cues: cues }).then(function (d) { show(d); say("Captions saved. " + statusEl.textContent); })
      .catch(function (e) { say(e.message, true); });
  }

  function renderWords() {
    wordList.replaceChildren();
    words.forEach(function (w, i) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "usa-button usa-button--outline"; b.textContent = w[0];
      b.title = w[1].toFixed(2) + " s"; b.disabled = !editable;
      b.setAttribute("aria-pressed", first !== null && i >= Math.min(first, last) && i <= Math.max(first, last) ? "true" : "false");
      b.addEventListener("click", function () {
        if (first === null || last !== first) { first = i; last = i; } else { last = i; }
        renderWords(); describeSelection();
      });
      wordList.appendChild(b);
    });
  }
  function describeSelection() {
    if (first === null) { selectionEl.textContent = "No words selected."; return; }
    var a = Math.min(first, last), b = Math.max(first, last);
    selectionEl.textContent = "Selected: \u201c" + words.slice(a, b + 1).map(function (w) { return w[0]; }).join(" ") +
      "\u201d (" + words[a][1].toFixed(2) + " to " + words[b][2].toFixed(2) + " s).";
  }
  function renderSuggestions(list) {
    var ul = document.getElementById("suggestion-list");
    ul.replaceChildren();
    if (!list.length) { var li = document.createElement("li"); li.textContent = "Nothing found that looks like personal data."; ul.appendChild(li); }
    list.forEach(function (s) {
      var li = document.createElement("li");
      li.appendChild(document.createTextNode(s.kind + ": \u201c" + s.text + "\u201d "));
      li.appendChild(button("Select these words", function () { first = s.first; last = s.last; renderWords(); describeSelection(); }));
      ul.appendChild(li);
    });
  }

  document.getElementById("captions-save").addEventListener("click", save);
  document.getElementById("captions-reviewed").addEventListener("click", function () {
    send(root.dataset.save, { cues: cues }).then(function () { return send(root.dataset.review, {}); })
      .then(function (d) { show(d); }).catch(function (e) { say(e.message, true); });
  });
  document.getElementById("captions-no-speech").addEventListener("click", function () {
    send(root.dataset.review, { no_speech: true }).then(show).catch(function (e) { say(e.message, true); });
  });
  document.getElementById("nonspeech-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = document.getElementById("nonspeech-text").value.trim();
    if (!text) { say("Describe the sound, such as siren.", true); return; }
    var at = Math.round(video.currentTime * 100) / 100;
    cues.push({ start: at, end: at + 2, text: "[" + text.replace(/^\[|\]$/g, "") + "]", kind: "non_speech" });
    cues.sort(function (a, b) { return a.start - b.start; });
    renderCues();
  });
  document.getElementById("hide-form").addEventListener("submit", function (e) {
    e.preventDefault();
    if (first === null) { say("Choose the words to hide first.", true); return; }
    send(root.dataset.hide, {
      first: Math.min(first, last), last: Math.max(first, last),
      kind: root.querySelector("input[name=hide-kind]:checked").value,
      reason: document.getElementById("hide-reason").value, note: document.getElementById("hide-note").value
    }).then(function (d) {
      first = last = null; show(d);
      say("The words will be hidden at the next render: re-render to apply. " + statusEl.textContent);
    }).catch(function (err) { say(err.message, true); });
  });
  load();
})();
