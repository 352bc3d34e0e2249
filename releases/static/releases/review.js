/* Review page for a release: step through the footage, see every region, change the redaction.
   Vanilla JS, no build step. The server checks every change; this script only gathers input. */
(function () {
  "use strict";
  var root = document.getElementById("review");
  if (!root) return;
  var proxy = document.getElementById("proxy-video");
  var redacted = document.getElementById("redacted-video");
  var canvas = document.getElementById("overlay");
  var ctx = canvas.getContext("2d");
  var statusEl = document.getElementById("frame-status");
  var messageEl = document.getElementById("review-message");
  var seek = document.getElementById("seek");
  var editable = root.dataset.editable === "1";
  var csrf = root.querySelector("input[name=csrfmiddlewaretoken]").value;
  var data = null;
  var drawing = false, dragStart = null, dragBox = null;
  var keyframes = [];  // [frame, x1, y1, x2, y2] in source pixels
  var keyBox = null;  // the keyboard editor's box, in source pixels, while it is open
  var startInput = document.getElementById("region-start"), endInput = document.getElementById("region-end");

  function fps() { return (data && data.fps) || 30; }
  // Frame f is shown from f/fps to (f+1)/fps; seeks land mid-frame, so flooring is exact.
  function currentFrame() { return Math.floor(proxy.currentTime * fps() + 1e-6); }
  function say(text, isError) {
    messageEl.textContent = text;
    messageEl.className = isError ? "is-error" : "";
  }

  function load() {
    return fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("Could not load the review data (" + r.status + ")."); return r.json(); })
      .then(function (d) { data = d; seek.max = Math.max(0, (d.frames || 1) - 1); renderLists(); draw(); })
      .catch(function (e) { say(e.message, true); });
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) {
          var errs = j.errors || {}; var msgs = [];
          Object.keys(errs).forEach(function (k) { msgs.push(errs[k].join(" ")); });
          throw new Error(msgs.join(" ") || j.detail || ("Refused (" + r.status + ")."));
        }
        return j;
      });
    });
  }

  /* ---- time ---- */
  function goToFrame(frame) {
    var f = Math.max(0, Math.min(frame, data ? Math.max(0, data.frames - 1) : frame));
    var t = (f + 0.5) / fps();  // the middle of the frame, so rounding never lands on its neighbour
    proxy.currentTime = t;
    if (redacted) redacted.currentTime = t;
  }
  function step(n) { proxy.pause(); if (redacted) redacted.pause(); goToFrame(currentFrame() + n); }
  function togglePlay() {
    var btn = document.getElementById("play-pause");
    if (proxy.paused) {
      proxy.play(); if (redacted) { redacted.currentTime = proxy.currentTime; redacted.play(); }
      btn.textContent = "Pause";
    } else {
      proxy.pause(); if (redacted) redacted.pause(); btn.textContent = "Play";
    }
  }
  function onTime() {
    var f = currentFrame();
    statusEl.textContent = "Frame " + f + " (" + proxy.currentTime.toFixed(2) + " s)";
    seek.value = f;
    draw();
  }

  /* ---- drawing ---- */
  function fitCanvas() {
    var r = proxy.getBoundingClientRect();
    canvas.width = Math.max(1, Math.round(r.width));
    canvas.height = Math.max(1, Math.round(r.height));
  }
  function boxAt(frames, frame) {
    for (var i = 0; i < frames.length; i++) if (frames[i][0] === frame) return frames[i].slice(1);
    return null;
  }
  function interpolate(keys, start, end, frame) {
    if (!keys.length || frame < start || frame > end) return null;
    var sorted = keys.slice().sort(function (a, b) { return a[0] - b[0]; });
    if (frame <= sorted[0][0]) return sorted[0].slice(1);
    var last = sorted[sorted.length - 1];
    if (frame >= last[0]) return last.slice(1);
    for (var i = 1; i < sorted.length; i++) {
      if (frame <= sorted[i][0]) {
        var a = sorted[i - 1], b = sorted[i], t = (frame - a[0]) / (b[0] - a[0]);
        return [1, 2, 3, 4].map(function (k) { return a[k] * (1 - t) + b[k] * t; });
      }
    }
    return null;
  }
  function strokeBox(box, sx, sy, colour, dashed, label) {
    ctx.setLineDash(dashed ? [6, 4] : []);
    ctx.strokeStyle = colour; ctx.lineWidth = 2;
    ctx.strokeRect(box[0] * sx, box[1] * sy, (box[2] - box[0]) * sx, (box[3] - box[1]) * sy);
    if (label) { ctx.fillStyle = colour; ctx.font = "12px sans-serif"; ctx.fillText(label, box[0] * sx + 2, box[1] * sy + 12); }
  }
  function draw() {
    fitCanvas();
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    if (!data) return;
    var f = currentFrame();
    var rx = canvas.width / (data.rendered.width || 1), ry = canvas.height / (data.rendered.height || 1);
    var sx = canvas.width / (data.source.width || 1), sy = canvas.height / (data.source.height || 1);
    data.tracks.forEach(function (t) {
      var b = boxAt(t.frames, f);
      // Dashed where this render left the box unhidden (a reviewer's decision matched it there).
      var spared = t.suppressed || (t.spared || []).some(function (r) { return r[0] <= f && f <= r[1]; });
      if (b) strokeBox(b, rx, ry, spared ? "#ffbe2e" : "#00bde3", spared, "#" + t.id);
    });
    data.changes.forEach(function (c) {
      if (c.kind !== "manual" || !c.takes_effect) return;
      // As the last render followed it where it has been rendered; else the straight line between keyframes.
      var b = c.followed && c.followed.length ? boxAt(c.followed, f) : null;
      if (b) strokeBox(b, rx, ry, "#e52207", false, "c" + c.id);
      else if ((b = interpolate(c.keyframes, c.start_frame, c.end_frame, f))) strokeBox(b, sx, sy, "#e52207", true, "c" + c.id);
    });
    var own = interpolate(keyframes, keyframes.length ? keyframes[0][0] : 0, keyframes.length ? keyframes[keyframes.length - 1][0] : -1, f);
    if (own) strokeBox(own, sx, sy, "#70e17b", false, "new");
    if (keyBox) strokeBox(keyBox, sx, sy, "#70e17b", true, "keyboard");
    if (dragBox) strokeBox(dragBox, 1, 1, "#70e17b", true, "");
  }
  function canvasPoint(ev) {
    var r = canvas.getBoundingClientRect();
    return [ev.clientX - r.left, ev.clientY - r.top];
  }
  canvas.addEventListener("pointerdown", function (ev) {
    if (!drawing) return;
    dragStart = canvasPoint(ev); canvas.setPointerCapture(ev.pointerId);
  });
  canvas.addEventListener("pointermove", function (ev) {
    if (!dragStart) return;
    var p = canvasPoint(ev);
    dragBox = [Math.min(dragStart[0], p[0]), Math.min(dragStart[1], p[1]), Math.max(dragStart[0], p[0]), Math.max(dragStart[1], p[1])];
    draw();
  });
  canvas.addEventListener("pointerup", function () {
    if (!dragStart) return;
    var b = dragBox; dragStart = null; dragBox = null;
    if (!b || b[2] - b[0] < 3 || b[3] - b[1] < 3) { draw(); return; }
    var sx = data.source.width / canvas.width, sy = data.source.height / canvas.height;
    addKeyframe([b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy]);
  });
  function showKeyframes() {
    document.getElementById("keyframe-count").textContent = keyframes.length
      ? keyframes.length + " keyframe(s), frames " + keyframes[0][0] + " to " + keyframes[keyframes.length - 1][0] + "."
      : "No keyframes yet.";
  }
  function addKeyframe(box) {  // box in source pixels, at the current frame
    var f = currentFrame();
    keyframes = keyframes.filter(function (k) { return k[0] !== f; });
    keyframes.push([f].concat(box.map(function (v) { return Math.round(v * 10) / 10; })));
    keyframes.sort(function (a, c) { return a[0] - c[0]; });
    // One box alone must say how long it hides its object: one second either side to start with.
    var t = f / fps(), length = (data.frames || 0) / fps();
    if (!startInput.value) startInput.value = Math.max(0, t - 1).toFixed(2);
    if (!endInput.value) endInput.value = (length ? Math.min(length, t + 1) : t + 1).toFixed(2);
    showKeyframes();
    draw();
  }

  /* ---- the keyboard path for drawing and moving a box (WCAG 2.1.1) ---- */
  function openKeyBox() {
    if (!data) return;
    proxy.pause(); if (redacted) redacted.pause();
    var w = data.source.width || 100, h = data.source.height || 100;
    keyBox = [w * 0.4, h * 0.4, w * 0.6, h * 0.6];
    canvas.tabIndex = 0;
    canvas.focus();
    say("Box editor open at frame " + currentFrame() + ": arrow keys move it, Shift and arrows resize it, Enter keeps it, Escape stops.");
    draw();
  }
  function closeKeyBox(text) {
    keyBox = null; canvas.tabIndex = -1; draw();
    if (text) say(text);
  }
  function describeKeyBox() {
    return "Box at " + Math.round(keyBox[0]) + ", " + Math.round(keyBox[1]) + ", " + Math.round(keyBox[2] - keyBox[0]) + " by " + Math.round(keyBox[3] - keyBox[1]) + " pixels.";
  }
  canvas.addEventListener("keydown", function (ev) {
    if (!keyBox) return;
    var w = data.source.width, h = data.source.height;
    var stepX = Math.max(2, Math.round(w / 100)), stepY = Math.max(2, Math.round(h / 100));
    var dx = { ArrowLeft: -stepX, ArrowRight: stepX }[ev.key] || 0, dy = { ArrowUp: -stepY, ArrowDown: stepY }[ev.key] || 0;
    if (dx || dy) {
      var b = keyBox.slice();
      if (ev.shiftKey) {  // resize from the bottom-right corner, never below 4 pixels
        b[2] = Math.min(w, Math.max(b[0] + 4, b[2] + dx)); b[3] = Math.min(h, Math.max(b[1] + 4, b[3] + dy));
      } else {  // move, staying inside the frame
        dx = Math.max(-b[0], Math.min(w - b[2], dx)); dy = Math.max(-b[1], Math.min(h - b[3], dy));
        b = [b[0] + dx, b[1] + dy, b[2] + dx, b[3] + dy];
      }
      keyBox = b; say(describeKeyBox()); draw(); ev.preventDefault();
    } else if (ev.key === "Enter") {
      addKeyframe(keyBox);
      say("Keyframe kept at frame " + currentFrame() + ". Step to another frame to correct it, or save the region.");
      ev.preventDefault();
    } else if (ev.key === "Escape") {
      closeKeyBox("Box editor closed.");
      document.getElementById("key-box").focus();
      ev.preventDefault();
    }
  });
  document.getElementById("key-box").addEventListener("click", openKeyBox);

  /* ---- lists ---- */
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function button(text, onClick, cls) {
    var b = el("button", { type: "button", "class": "usa-button " + (cls || "usa-button--outline") + " margin-top-05" }, text);
    b.addEventListener("click", onClick);
    if (!editable) b.disabled = true;
    return b;
  }
  function act(promise, done) {
    promise.then(function () { say(done); return load(); }).catch(function (e) { say(e.message, true); });
  }
  function renderLists() {
    var rows = document.getElementById("track-rows"); rows.textContent = "";
    var removed = {};
    var changeById = {};
    data.changes.forEach(function (c) { changeById[c.id] = c; });
    // The server matches decisions to this render's tracks by where they were, not by number.
    data.tracks.forEach(function (t) { if (t.mark && changeById[t.mark]) removed[t.id] = changeById[t.mark]; });
    data.tracks.forEach(function (t) {
      var tr = el("tr");
      var first = t.frames.length ? t.frames[0][0] : 0, last = t.frames.length ? t.frames[t.frames.length - 1][0] : 0;
      var pick = el("td"), box = el("input", { type: "checkbox", "class": "region-choice", value: String(t.id), "aria-label": "Choose region #" + t.id });
      if (!editable) box.disabled = true;
      pick.appendChild(box); tr.appendChild(pick);
      tr.appendChild(el("th", { scope: "row" }, "#" + t.id));
      // Made on first request by the server, so the page never waits for it.
      var pic = el("td"); pic.appendChild(el("img", { src: t.thumbnail_url, alt: "Region #" + t.id + (t.frames.length ? " around frame " + t.frames[Math.floor(t.frames.length / 2)][0] : ""), loading: "lazy", "class": "region-thumb" }));
      tr.appendChild(pic);
      var td = el("td"); td.appendChild(button(first + "–" + last, function () { goToFrame(first); }, "usa-button--unstyled")); td.lastChild.disabled = false;
      tr.appendChild(td);
      var actions = el("td");
      var whole = removed[t.id] && t.marked_frames >= t.frames.length;
      if (removed[t.id]) {
        actions.textContent = removed[t.id].kind_label + (whole ? "" : " on " + t.marked_frames + " of " + t.frames.length + " frames; the rest stay hidden");
      }
      if (!whole) {
        actions.appendChild(button("Remove (not a face)", function () {
          act(post(data.urls.changes, { kind: "suppress", track_id: t.id, reason: "false_detection" }), "Region #" + t.id + " will be removed at the next render.");
        }));
        actions.appendChild(button("Do not redact (official in public)", function () {
          act(post(data.urls.changes, { kind: "do_not_redact", track_id: t.id, reason: "official_in_public" }), "Marked; a second release officer must confirm.");
        }));
      }
      tr.appendChild(actions); rows.appendChild(tr);
    });
    if (!data.tracks.length) { var tr0 = el("tr"); var td0 = el("td", { colspan: "5" }, "No automatic regions."); tr0.appendChild(td0); rows.appendChild(tr0); }

    var list = document.getElementById("change-list"); list.textContent = "";
    data.changes.forEach(function (c) {
      var li = el("li");
      var where = c.kind === "manual" ? " frames " + c.start_frame + "–" + c.end_frame
        : (c.kind === "mute" || c.kind === "bleep") ? " " + c.start_seconds + "–" + c.end_seconds + " s"
        : c.tracks.length ? " (region #" + c.tracks.join(", #") + ")"
        : " (region #" + c.track_id + " of an earlier render, not found in this one, so it stays hidden)";
      li.appendChild(el("span", {}, c.kind_label + where + ": " + c.reason_label + (c.note ? " (" + c.note + ")" : "") + ", by " + c.created_by
        + (c.confirmed_by ? ", confirmed by " + c.confirmed_by : "") + (c.withdrawn ? " — withdrawn" : "")
        + (c.kind === "do_not_redact" && !c.confirmed_by && !c.withdrawn ? " — awaiting a second officer" : "")));
      if (!c.withdrawn) {
        li.appendChild(document.createTextNode(" "));
        li.appendChild(button("Withdraw", function () { act(post(c.withdraw_url), "Change withdrawn."); }, "usa-button--unstyled"));
        if (c.kind === "do_not_redact" && !c.confirmed_by && !c.mine) {
          li.appendChild(document.createTextNode(" "));
          li.appendChild(button("Confirm: do not redact", function () { act(post(c.confirm_url), "Confirmed."); }, "usa-button--unstyled"));
        }
      }
      list.appendChild(li);
    });
    if (!data.changes.length) list.appendChild(el("li", {}, "No changes yet."));
    var awaiting = data.changes.filter(function (c) { return c.kind === "do_not_redact" && !c.confirmed_by && !c.withdrawn && !c.mine; });
    if (awaiting.length > 1) {  // one face is often several regions: confirm exactly the ones listed, at once
      var all = el("li");
      all.appendChild(button("Confirm all " + awaiting.length + " 'do not redact' decisions awaiting you", function () {
        act(post(data.urls.confirm, { change_ids: awaiting.map(function (c) { return c.id; }) }), "Confirmed " + awaiting.length + " decisions.");
      }));
      list.insertBefore(all, list.firstChild);
    }

    var findings = document.getElementById("finding-list"); findings.textContent = "";
    data.findings.forEach(function (f) {
      var li = el("li");
      var where = (f.last && f.last > f.frame) ? "Frames " + f.frame + " to " + f.last + " (" + f.seconds + " to " + f.until_seconds + " s)" : "Frame " + f.frame + " (" + f.seconds + " s)";
      li.appendChild(el("span", {}, where + ", score " + f.score + (f.cleared_by ? " — cleared by " + f.cleared_by + ": " + f.cleared_reason : "")));
      var fix = button("Show frame", function () { step(0); goToFrame(f.frame); }, "usa-button--unstyled"); fix.disabled = false;
      li.appendChild(document.createTextNode(" ")); li.appendChild(fix);
      if (!f.cleared_by && editable) {
        var form = el("form", { "class": "usa-form" });
        var id = "clear-" + f.index;
        form.appendChild(el("label", { "class": "usa-label", "for": id }, "Why frame " + f.frame + " needs no redaction"));
        var input = el("input", { "class": "usa-input", id: id, maxlength: "500", required: "" });
        form.appendChild(input);
        form.appendChild(el("button", { type: "submit", "class": "usa-button usa-button--outline margin-top-05" }, "Clear"));
        form.addEventListener("submit", function (ev) { ev.preventDefault(); act(post(f.clear_url, { reason: input.value }), "Finding cleared."); });
        li.appendChild(form);
      }
      findings.appendChild(li);
    });
    if (!data.findings.length) findings.appendChild(el("li", {}, "The second check found no visible face."));
    renderTimeline();
  }

  /* ---- added regions on a timeline: a bar per region, and the same in words ---- */
  function renderTimeline() {
    var bars = document.getElementById("region-timeline"), list = document.getElementById("region-ranges");
    var manual = data.changes.filter(function (c) { return c.kind === "manual" && c.takes_effect; });
    var g = bars.getContext("2d"), total = Math.max(1, data.frames || 1);
    bars.height = Math.max(20, manual.length * 14 + 6);
    g.clearRect(0, 0, bars.width, bars.height);
    g.fillStyle = "#dfe1e2"; g.fillRect(0, 0, bars.width, bars.height);
    list.textContent = "";
    manual.forEach(function (c, i) {
      var x1 = c.start_frame / total * bars.width, x2 = (c.end_frame + 1) / total * bars.width;
      g.fillStyle = "#e52207"; g.fillRect(x1, 3 + i * 14, Math.max(2, x2 - x1), 10);
      var li = el("li", {}, "c" + c.id + " " + c.reason_label + ": " + (c.start_frame / fps()).toFixed(2) + "–" + ((c.end_frame + 1) / fps()).toFixed(2)
        + " s (frames " + c.start_frame + "–" + c.end_frame + ", " + c.keyframes.length + " keyframe(s)) ");
      var go = button("Go to start", function () { step(0); goToFrame(c.start_frame); }, "usa-button--unstyled"); go.disabled = false;
      li.appendChild(go); list.appendChild(li);
    });
    if (!manual.length) list.appendChild(el("li", {}, "No regions added by hand."));
  }

  /* ---- forms ---- */
  document.getElementById("draw-box").addEventListener("click", function () {
    drawing = !drawing; proxy.pause();
    this.textContent = drawing ? "Stop drawing" : "Draw a box";
    if (drawing) canvas.scrollIntoView({ block: "center" });
    say(drawing ? "Drag over the footage to place a box at frame " + currentFrame() + "." : "");
  });
  document.getElementById("discard-box").addEventListener("click", function () {
    keyframes = []; startInput.value = ""; endInput.value = ""; showKeyframes(); closeKeyBox("");
  });
  document.getElementById("region-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!keyframes.length) { say("Draw at least one box first.", true); return; }
    var body = { kind: "manual", keyframes: keyframes, reason: this.reason.value, note: this.note.value };
    if (startInput.value || endInput.value) { body.start_seconds = startInput.value; body.end_seconds = endInput.value; }
    act(post(data.urls.changes, body).then(function () {
      keyframes = []; startInput.value = ""; endInput.value = ""; showKeyframes(); closeKeyBox("");
    }),
      "Region saved; it is hidden at the next render.");
  });
  /* ---- several regions at once: the ticked ones, those in a range of frames, or both ---- */
  function bulkChoice() {
    var body = {};
    var ids = Array.prototype.map.call(document.querySelectorAll(".region-choice:checked"), function (b) { return parseInt(b.value, 10); });
    if (ids.length) body.track_ids = ids;
    var start = document.getElementById("bulk-start").value.trim(), end = document.getElementById("bulk-end").value.trim();
    if (start || end) { body.start_frame = start; body.end_frame = end; }
    return body;
  }
  function bulkMark(kind, reason, done) {
    var body = bulkChoice();
    if (!body.track_ids && body.start_frame === undefined) { say("Choose regions in the table or give a range of frames first.", true); return; }
    body.kind = kind; body.reason = reason;
    act(post(data.urls.bulk, body).then(function (r) { return r.ids.length; }), done);
  }
  var bulkSuppress = document.getElementById("bulk-suppress");  // absent once the release left review
  if (bulkSuppress) {
    bulkSuppress.addEventListener("click", function () { bulkMark("suppress", "false_detection", "The chosen regions will be removed at the next render."); });
    document.getElementById("bulk-keep").addEventListener("click", function () { bulkMark("do_not_redact", "official_in_public", "The chosen regions are marked; a second release officer must confirm each."); });
    document.getElementById("bulk-withdraw").addEventListener("click", function () {
      var body = bulkChoice(); delete body.track_ids;
      if (body.start_frame === undefined) { say("Give the range of frames whose changes to withdraw.", true); return; }
      act(post(data.urls.withdraw, body), "The changes in that range are withdrawn.");
    });
  }
  var audioForm = document.getElementById("audio-form");  // absent when the file has no sound
  if (audioForm) {
    audioForm.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var body = { kind: this.kind.value, start_seconds: this.start_seconds.value, end_seconds: this.end_seconds.value, reason: this.reason.value, note: this.note.value };
      act(post(data.urls.changes, body), "Audio range saved; it is silenced at the next render.");
    });
  }
  Array.prototype.forEach.call(root.querySelectorAll("[data-now]"), function (b) {
    b.addEventListener("click", function () { document.getElementById(b.dataset.now).value = proxy.currentTime.toFixed(2); });
  });

  document.getElementById("step-back").addEventListener("click", function () { step(-1); });
  document.getElementById("step-forward").addEventListener("click", function () { step(1); });
  document.getElementById("play-pause").addEventListener("click", togglePlay);
  seek.addEventListener("input", function () { goToFrame(parseInt(seek.value, 10) || 0); });
  document.addEventListener("keydown", function (ev) {
    var tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (ev.key === ",") { step(-1); ev.preventDefault(); }
    else if (ev.key === ".") { step(1); ev.preventDefault(); }
    else if (ev.key === "k") { togglePlay(); ev.preventDefault(); }
  });
  proxy.addEventListener("timeupdate", onTime);
  proxy.addEventListener("seeked", onTime);
  proxy.addEventListener("loadedmetadata", draw);
  window.addEventListener("resize", draw);
  window.releaseReview = { goToFrame: goToFrame, currentFrame: currentFrame, keyframes: function () { return keyframes; } };
  load();
})();
