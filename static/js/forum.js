// The forum's one script: tell the server which posts of a thread this reader has seen,
// so the "new since your last visit" marker is right next time. A GET never changes
// data, so the page reports it with a POST once it is shown.
document.addEventListener("DOMContentLoaded", function () {
  var list = document.querySelector(".forum-posts[data-seen-url]");
  if (!list || !window.fetch || !window.FormData) {
    return;
  }
  var last = 0;
  list.querySelectorAll("[data-post-id]").forEach(function (post) {
    last = Math.max(last, parseInt(post.getAttribute("data-post-id"), 10) || 0);
  });
  if (!last) {
    return;
  }
  var body = new FormData();
  body.append("csrf_token", list.getAttribute("data-csrf"));
  body.append("last_post_id", String(last));
  fetch(list.getAttribute("data-seen-url"), {method: "POST", body: body, credentials: "same-origin"})
    .catch(function () { /* the marker is a comfort, not a duty */ });
});
