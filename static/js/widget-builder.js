/* The widget builder: re-render the preview from the unsaved form, copy the embed code. */
(function () {
  "use strict";
  var form = document.getElementById("widget-form");
  var preview = document.getElementById("widget-preview");
  var timer = null;
  function refresh() {
    if (!form || !preview || !window.AmbassadorWidget) return;
    var params = new URLSearchParams(new FormData(form));
    params.delete("csrf_token");
    preview.setAttribute("data-ambassador-src", form.getAttribute("data-preview-url") + "?" + params.toString());
    window.AmbassadorWidget.reload(preview);
  }
  if (form) {
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 300); });
    form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(refresh, 100); });
    window.addEventListener("load", refresh);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (source && navigator.clipboard) {
      navigator.clipboard.writeText(source.textContent).then(function () {
        var label = button.textContent;
        button.textContent = "✓";
        setTimeout(function () { button.textContent = label; }, 1500);
      });
    }
  });
})();
