// Referrals: the landing page's visit count, sent once by this script, so link scanners and
// bots that run no script are not counted (copy buttons and forms: copy.js).
(function () {
  "use strict";

  var landing = document.querySelector("[data-visit]");
  var token = document.querySelector("input[name=csrf_token]");
  if (landing && window.fetch) {
    var body = new FormData();
    if (token) { body.append("csrf_token", token.value); }
    body.append("offer", landing.getAttribute("data-offer") || "");
    window.fetch(landing.getAttribute("data-visit"), {
      method: "POST", body: body, credentials: "same-origin", keepalive: true
    }).catch(function () { /* a visit not counted is not worth bothering anyone */ });
  }
})();
