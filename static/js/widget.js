/* Ambassador testimonial widget: <div data-ambassador-widget="KEY"></div> + this script.
   Renders into a Shadow DOM styled by a constructable stylesheet (no inline style, no eval,
   works under a strict host CSP), puts text in with textContent only, fetches without
   cookies, and never throws into the host page. */
(function () {
  "use strict";
  var me = document.currentScript;
  var base = me && me.src ? me.src.replace(/\/widget\.js(\?.*)?$/, "") : "";
  var seen = typeof WeakSet === "function" ? new WeakSet() : null;
  var warned = false;

  function warn(message) {
    if (!warned && window.console && console.warn) { warned = true; console.warn("Ambassador widget: " + message); }
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  function css(w) {
    var font = w.font === "system" ? "system-ui,-apple-system,'Segoe UI',Roboto,sans-serif" : "inherit";
    var light = "--bg:#fff;--fg:#1f2430;--muted:#5b6272;--line:#e3e6ee;";
    var dark = "--bg:#1d2230;--fg:#f2f4f8;--muted:#b4bccb;--line:#394154;";
    var vars = w.theme === "dark" ? dark : light;
    return ":host{all:initial;display:block;" + vars + "--accent:" + w.accent + ";--r:" + w.radius + "px}" +
      (w.theme === "auto" ? "@media (prefers-color-scheme:dark){:host{" + dark + "}}" : "") +
      ".w{font-family:" + font + ";font-size:15px;line-height:1.5;color:var(--fg);text-align:start}" +
      ".grid{display:grid;gap:16px;grid-template-columns:repeat(auto-fill,minmax(240px,1fr))}" +
      ".list{display:flex;flex-direction:column;gap:12px}" +
      ".card{background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:var(--r);padding:16px;margin:0;display:flex;flex-direction:column;gap:10px;box-sizing:border-box}" +
      ".body{margin:0;white-space:pre-line;color:var(--fg);font:inherit;overflow-wrap:anywhere}" +
      ".who{display:flex;align-items:center;gap:10px;color:var(--muted);font-size:13px}" +
      ".who img{border-radius:50%;object-fit:cover;flex:none}" +
      ".name{color:var(--fg);font-weight:600}.meta{display:flex;flex-direction:column}" +
      ".stars{color:var(--accent);letter-spacing:2px;font-size:16px}" +
      ".ok{color:var(--accent);font-size:12px;font-weight:600}" +
      ".car{display:flex;align-items:center;gap:8px}.slot{flex:1;min-width:0}" +
      ".car button{font:inherit;font-size:18px;width:36px;height:36px;border-radius:50%;border:1px solid var(--line);background:var(--bg);color:var(--fg);cursor:pointer;flex:none}" +
      ".car button:focus-visible{outline:2px solid var(--accent);outline-offset:2px}" +
      ".badge{display:inline-flex;align-items:center;gap:8px;background:var(--bg);border:1px solid var(--line);border-radius:var(--r);padding:8px 14px;color:var(--fg)}" +
      ".badge strong{color:var(--fg)}";
  }

  function stars(t, labels) {
    var s = el("span", "stars", "\u2605\u2605\u2605\u2605\u2605".slice(0, t) + "\u2606\u2606\u2606\u2606\u2606".slice(0, 5 - t));
    s.setAttribute("role", "img");
    s.setAttribute("aria-label", labels.stars.replace("{n}", t));
    return s;
  }

  function card(t, w) {
    var c = el("figure", "card");
    if (w.show_rating && t.rating) c.appendChild(stars(t.rating, w.labels));
    var q = el("blockquote", "body", t.body);
    if (t.language) q.setAttribute("lang", t.language);
    c.appendChild(q);
    var who = el("figcaption", "who");
    if (t.photo_url) {
      var img = el("img");
      img.src = t.photo_url; img.alt = t.author_name || ""; img.width = 40; img.height = 40;
      img.loading = "lazy"; img.decoding = "async";
      who.appendChild(img);
    }
    var meta = el("span", "meta");
    if (t.author_name) meta.appendChild(el("span", "name", t.author_name));
    if (t.author_title) meta.appendChild(el("span", null, t.author_title));
    if (t.date) {
      var d = new Date(t.date + "T12:00:00Z"), when = t.date;
      try { when = new Intl.DateTimeFormat(w.language, { dateStyle: "medium" }).format(d); } catch (e) { /* keep ISO */ }
      meta.appendChild(el("time", null, when)).setAttribute("datetime", t.date);
    }
    if (t.verified_promoter) meta.appendChild(el("span", "ok", "\u2713 " + w.labels.verified));
    who.appendChild(meta);
    c.appendChild(who);
    return c;
  }

  function carousel(items, w) {
    var box = el("div", "car"), i = 0, paused = false, timer = null;
    var prev = el("button", null, "\u2039"), next = el("button", null, "\u203a");
    prev.type = next.type = "button";
    prev.setAttribute("aria-label", w.labels.previous);
    next.setAttribute("aria-label", w.labels.next);
    var slot = el("div", "slot"); slot.setAttribute("aria-live", "polite");
    function show(n) { i = (n + items.length) % items.length; slot.textContent = ""; slot.appendChild(card(items[i], w)); }
    prev.addEventListener("click", function () { show(i - 1); });
    next.addEventListener("click", function () { show(i + 1); });
    box.addEventListener("mouseenter", function () { paused = true; });
    box.addEventListener("mouseleave", function () { paused = false; });
    box.addEventListener("focusin", function () { paused = true; });
    box.addEventListener("focusout", function () { paused = false; });
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    if (!still && items.length > 1) timer = setInterval(function () { if (!paused && box.isConnected) show(i + 1); else if (!box.isConnected) clearInterval(timer); }, 7000);
    show(0);
    if (items.length > 1) box.appendChild(prev);
    box.appendChild(slot);
    if (items.length > 1) box.appendChild(next);
    return box;
  }

  function render(host, data) {
    var w = data.widget, items = data.testimonials || [];
    var root = host.shadowRoot || host.attachShadow({ mode: "open" });
    if ("adoptedStyleSheets" in root && typeof CSSStyleSheet === "function") {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(css(w));
      root.adoptedStyleSheets = [sheet];
    }
    while (root.firstChild) root.removeChild(root.firstChild);
    var wrap = el("div", "w");
    wrap.setAttribute("lang", w.language);
    if (w.layout === "badge") {
      var agg = data.aggregate || {};
      if (!agg.count) return;
      var b = el("div", "badge");
      if (agg.average_rating) b.appendChild(stars(Math.round(agg.average_rating), w.labels));
      b.appendChild(el("strong", null, w.labels.badge));
      wrap.appendChild(b);
    } else if (items.length) {
      var section = el("section", w.layout === "carousel" ? "" : w.layout === "list" ? "list" : "grid");
      section.setAttribute("aria-label", w.labels.title);
      if (w.layout === "carousel") section.appendChild(carousel(items, w));
      else items.forEach(function (t) { section.appendChild(card(t, w)); });
      wrap.appendChild(section);
    }
    root.appendChild(wrap);
    if (window.parent !== window && host.hasAttribute("data-ambassador-embed")) tellHeight(host);
  }

  function tellHeight(host) {
    function post() { try { window.parent.postMessage({ ambassadorWidget: host.getAttribute("data-ambassador-widget"), height: Math.ceil(document.documentElement.scrollHeight) }, "*"); } catch (e) { /* ignore */ } }
    post();
    if (typeof ResizeObserver === "function") new ResizeObserver(post).observe(document.body);
  }

  function load(host) {
    if (seen) { if (seen.has(host)) return; seen.add(host); }
    var key = host.getAttribute("data-ambassador-widget") || "";
    var url = host.getAttribute("data-ambassador-src") || (base + "/api/v1/widgets/" + encodeURIComponent(key));
    if (!window.fetch || !host.attachShadow) return;
    // The builder's own preview (data-ambassador-src on our pages) needs the marketer's session.
    var own = host.hasAttribute("data-ambassador-src");
    fetch(url, { credentials: own ? "same-origin" : "omit", mode: own ? "same-origin" : "cors" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status + " for widget " + key);
      return r.json();
    }).then(function (data) {
      try { render(host, data); } catch (e) { warn(e.message); }
    }).catch(function (e) { warn(e.message); });
  }

  function scan(node) {
    try {
      if (node.nodeType !== 1) return;
      if (node.hasAttribute("data-ambassador-widget")) load(node);
      var found = node.querySelectorAll("[data-ambassador-widget]");
      for (var i = 0; i < found.length; i++) load(found[i]);
    } catch (e) { warn(e.message); }
  }

  window.addEventListener("message", function (event) {
    try {
      var d = event.data;
      if (!d || typeof d.ambassadorWidget !== "string" || typeof d.height !== "number" || event.origin !== new URL(base).origin) return;
      var frames = document.querySelectorAll("iframe[src^='" + base + "/widgets/']");
      for (var i = 0; i < frames.length; i++) if (frames[i].contentWindow === event.source) frames[i].height = String(Math.min(d.height, 5000));
    } catch (e) { /* ignore */ }
  });

  function start() {
    try {
      scan(document.documentElement);
      window.AmbassadorWidget = { reload: function (host) { if (seen) seen.delete(host); load(host); } };
      if (typeof MutationObserver === "function") {
        new MutationObserver(function (records) {
          records.forEach(function (r) { for (var i = 0; i < r.addedNodes.length; i++) scan(r.addedNodes[i]); });
        }).observe(document.documentElement, { childList: true, subtree: true });
      }
    } catch (e) { warn(e.message); }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
