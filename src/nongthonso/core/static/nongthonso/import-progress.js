/* Import page (dataio): while a file is being checked or imported — a long POST, the page still showing — ask the
   server every second how far it got: #import-progress fetches its fragment (htmx) on the «import-progress» event.
   No inline handler and no htmx filter expression: the Content-Security-Policy allows neither. */
(function () {
  "use strict";

  var timer = null;

  document.addEventListener("submit", function (event) {
    var box = document.getElementById("import-progress");
    if (timer !== null || !box || !event.target.matches("form[data-import-progress]") ||
        typeof window.htmx === "undefined") {
      return;
    }
    timer = window.setInterval(function () { window.htmx.trigger(box, "import-progress"); }, 1000);
  });
})();
