/* smtpdoctor serve: a little plain JavaScript. Pages work without it (forms post, the run page refreshes). */
(function () {
  "use strict";
  var LABELS = {pass: "\u2714 passed", fail: "\u2716 failed", warn: "! warning", skipped: "\u2013 skipped",
                running: "\u2026 running", pending: "waiting"};

  function pad(text, n) { text = String(text); while (text.length < n) text += " "; return text; }

  // Forms: one click, one run. The button says what is happening.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.dataset.sent === "1") { ev.preventDefault(); return; }
    form.dataset.sent = "1";
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; button.textContent = "Working\u2026"; }
  });
  window.addEventListener("pageshow", function () {  // back button: make the form usable again
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      form.dataset.sent = "";
      var button = form.querySelector("button[type=submit]");
      if (button && button.dataset.label) { button.disabled = false; button.textContent = button.dataset.label; }
    });
  });
  document.querySelectorAll("button[type=submit]").forEach(function (b) { b.dataset.label = b.textContent; });

  // A form sent back with mistakes: put the cursor in the first field to fix.
  var invalid = document.querySelector(".field.invalid input, .field.invalid select, .field.invalid textarea");
  if (invalid) invalid.focus();

  // Provider preset: fill the server, port and security.
  var preset = document.getElementById("f-preset");
  if (preset) {
    preset.addEventListener("change", function () {
      var opt = preset.options[preset.selectedIndex];
      if (!opt.dataset.host) return;
      document.getElementById("f-host").value = opt.dataset.host;
      document.getElementById("f-port").value = opt.dataset.port;
      document.getElementById("f-security").value = opt.dataset.security;
    });
  }

  // Live progress of a run.
  var box = document.getElementById("run");
  if (!box || box.dataset.state !== "running" || !window.EventSource) return;
  var transcript = document.getElementById("transcript");
  var status = document.getElementById("run-status");
  var source = new EventSource("/runs/" + encodeURIComponent(box.dataset.run) + "/events");
  var seen = 0;
  source.addEventListener("step", function (ev) {
    var data = JSON.parse(ev.data);
    var li = document.querySelector('.step[data-step="' + data.step + '"]');
    if (!li) return;
    li.className = "step st-" + data.status;
    li.querySelector(".st").textContent = LABELS[data.status] || data.status;
  });
  source.addEventListener("line", function (ev) {
    var data = JSON.parse(ev.data);
    seen += 1;
    if (seen === 1) transcript.textContent = "";
    var span = document.createElement("span");
    span.className = "l-" + data.dir;
    span.textContent = pad(data.port === null ? "" : data.port, 5) + " " + data.glyph + " " + data.text + "\n";
    transcript.appendChild(span);
    transcript.scrollTop = transcript.scrollHeight;
  });
  source.addEventListener("wait", function (ev) {  // what the run waits for, in words
    var data = JSON.parse(ev.data);
    if (status && data.text) status.textContent = "Checking\u2026 " + data.text;
  });
  source.addEventListener("done", function () {
    source.close();
    if (status) status.textContent = "Finished. Loading the verdict\u2026";
    window.location.reload();
  });
  source.onerror = function () {
    if (status) status.textContent = "Lost contact with smtpdoctor; retrying\u2026";
  };
})();
