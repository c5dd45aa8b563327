// storywire reader: progressive enhancement only; every page works without this file.
(function () {
  "use strict";

  // Theme switch without a reload; the link still works (server-side cookie) without script.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.theme-toggle");
    if (!link) return;
    event.preventDefault();
    var next = link.getAttribute("data-theme-next");
    document.documentElement.setAttribute("data-theme", next);
    document.cookie = "theme=" + next + "; path=/; max-age=31536000; samesite=lax";
    var other = next === "dark" ? "light" : "dark";
    link.setAttribute("data-theme-next", other);
    link.textContent = (other === "dark" ? "Dark" : "Light") + " theme";
    link.href = "/theme/" + other + "?next=" + encodeURIComponent(location.pathname);
  });

  // "More stories" appends the next page in place, and keeps doing so as the reader scrolls.
  function load(link) {
    if (link.dataset.loading) return;
    link.dataset.loading = "1";
    fetch(link.href, { headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var list = document.querySelector(".cards");
        page.querySelectorAll(".cards .card").forEach(function (card) {
          list.appendChild(document.importNode(card, true));
        });
        var pager = document.querySelector(".pager");
        var fresh = page.querySelector(".pager");
        if (pager && fresh) pager.replaceWith(document.importNode(fresh, true));
        watch();
      })
      .catch(function () { delete link.dataset.loading; location.href = link.href; });
  }
  function watch() {
    var link = document.querySelector(".pager a.next");
    if (!link || !document.querySelector(".cards")) return;
    link.addEventListener("click", function (event) { event.preventDefault(); load(link); });
    if ("IntersectionObserver" in window) {
      new IntersectionObserver(function (entries, observer) {
        if (entries[0].isIntersecting) { observer.disconnect(); load(link); }
      }, { rootMargin: "400px" }).observe(link);
    }
  }
  document.addEventListener("DOMContentLoaded", watch);
})();
