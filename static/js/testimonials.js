/* Testimonial forms: a live character counter and a photo size check before sending. */
(function () {
  "use strict";

  function setupCounter(field) {
    var output = document.getElementById(field.getAttribute("data-counter"));
    if (!output) { return; }
    var max = parseInt(output.getAttribute("data-max") || field.getAttribute("maxlength"), 10);
    var template = output.getAttribute("data-template") || "{n} / {max}";
    function update() {
      var n = field.value.length;
      output.textContent = template.replace("{n}", n).replace("{max}", max);
      output.classList.toggle("t-counter-over", n > max);
    }
    field.addEventListener("input", update);
    update();
  }

  function setupPhoto(input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var error = document.getElementById("photo-error");
    if (!max || !error) { return; }
    function check() {
      var file = input.files && input.files[0];
      var tooBig = !!file && file.size > max;
      error.hidden = !tooBig;
      error.textContent = tooBig ? (error.getAttribute("data-message") || "") : "";
      input.setCustomValidity(tooBig ? error.textContent : "");
      return !tooBig;
    }
    input.addEventListener("change", check);
    if (input.form) {
      input.form.addEventListener("submit", function (event) {
        if (!check()) { event.preventDefault(); input.focus(); }
      });
    }
  }

  document.querySelectorAll("textarea[data-counter]").forEach(setupCounter);
  document.querySelectorAll("input[type=file][data-max-bytes]").forEach(setupPhoto);
})();
