/* Behaviour every page may use, added over markup that works without it (noscript.css covers what it would change).
   No inline code and no inline styles anywhere: the Content-Security-Policy allows neither.

   - The phone menu: the «Danh mục» button in the header opens and closes the menu (app.css hides the menu on narrow
     screens until it is opened); Escape closes it. */
(function () {
  "use strict";

  function menu() {
    var header = document.querySelector("header.top");
    var button = header && header.querySelector(".menu-toggle");
    if (!button) {
      return;
    }
    function set(open) {
      header.classList.toggle("menu-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () {
      set(!header.classList.contains("menu-open"));
    });
    header.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("menu-open")) {
        set(false);
        button.focus();
      }
    });
  }

  function start() {
    menu();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
