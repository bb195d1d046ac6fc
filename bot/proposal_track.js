// Sixty proposal page tracker: first-party, no cookies. Counts the seconds each element with
// `data-section` is on screen and posts them to /p/{token}/views with a per-tab session id.
(function () {
  "use strict";
  var base = location.pathname.replace(/\/+$/, "");
  var url = base + "/views";
  var key = "sixty-proposal-session";
  var session = null;
  try { session = sessionStorage.getItem(key); } catch (e) { session = null; }
  if (!session) {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    session = Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
    try { sessionStorage.setItem(key, session); } catch (e) { /* private mode: per page */ }
  }
  function post(section, seconds) {
    var body = JSON.stringify({ session: session, section: section, seconds: seconds });
    try {
      fetch(url, { method: "POST", headers: { "Content-Type": "application/json" },
                   body: body, keepalive: true, credentials: "omit" });
    } catch (e) { /* tracking never breaks the page */ }
  }
  post("_open", 0);
  if (!("IntersectionObserver" in window)) { return; }
  var visible = {};   // section -> ms when it became visible
  var pending = {};   // section -> ms seen and not yet posted
  function settle(now) {
    Object.keys(visible).forEach(function (s) {
      pending[s] = (pending[s] || 0) + (now - visible[s]);
      visible[s] = now;
    });
  }
  function flush() {
    settle(Date.now());
    Object.keys(pending).forEach(function (s) {
      var secs = Math.floor(pending[s] / 1000);
      if (secs >= 1) {
        post(s, Math.min(secs, 3600));
        pending[s] -= secs * 1000;
      }
    });
  }
  var observer = new IntersectionObserver(function (entries) {
    var now = Date.now();
    entries.forEach(function (e) {
      var s = e.target.getAttribute("data-section");
      if (!s) { return; }
      if (e.isIntersecting && document.visibilityState === "visible") {
        if (!(s in visible)) { visible[s] = now; }
      } else if (s in visible) {
        pending[s] = (pending[s] || 0) + (now - visible[s]);
        delete visible[s];
      }
    });
  }, { threshold: 0.5 });
  document.querySelectorAll("[data-section]").forEach(function (el) { observer.observe(el); });
  setInterval(flush, 5000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flush();
      visible = {};
    }
  });
})();
