// The import progress page: poll the run's JSON status and move the bar, no page reload.
// When the run is done or failed, show its result page.
(function () {
  "use strict";
  var box = document.querySelector("[data-import-status]");
  if (!box) { return; }
  var statusUrl = box.getAttribute("data-import-status");
  var resultUrl = box.getAttribute("data-import-result");
  var bar = box.querySelector("progress");
  var texts = {};
  var template = document.getElementById("import-state-texts");
  if (template) {
    template.content.querySelectorAll("[data-state]").forEach(function (el) {
      texts[el.getAttribute("data-state")] = el.textContent;
    });
  }
  var format = new Intl.NumberFormat(document.documentElement.lang || undefined);

  function show(name, value) {
    var el = box.querySelector('[data-field="' + name + '"]');
    if (el) { el.textContent = typeof value === "number" ? format.format(value) : value; }
  }

  function update(status) {
    bar.max = Math.max(status.rows_total, 1);
    bar.value = Math.min(status.rows_read, bar.max);
    ["rows_read", "rows_total", "imported", "duplicates", "rejected"].forEach(function (name) {
      show(name, status[name]);
    });
    if (texts[status.state]) { show("state-text", texts[status.state]); }
  }

  function poll() {
    fetch(statusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (status) {
        update(status);
        if (status.state === "done" || status.state === "failed") {
          window.location.replace(resultUrl);
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 500);
}());
