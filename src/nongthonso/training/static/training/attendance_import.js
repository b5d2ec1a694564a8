/* The attendance import page (training): for each person of the file who matched no participant, a choice (a
   suggestion, «another participant», «new», «skip») and a search box over the course's participants (a <datalist>:
   the browser's own suggestions, so the page works without this script). This script only keeps the two in step:
   typing or picking in the search box sets the choice to «another participant», choosing anything else clears the
   search box. No inline code: the Content-Security-Policy allows none. */
(function () {
  "use strict";

  function bind(fieldset) {
    var choice = fieldset.querySelector("select.resolve-choice");
    var search = fieldset.querySelector("input.resolve-search");
    if (!choice || !search) {
      return;
    }
    search.addEventListener("input", function () {
      if (search.value.trim()) {
        choice.value = "other";
        fieldset.classList.remove("missing");
      }
    });
    choice.addEventListener("change", function () {
      if (choice.value !== "other") {
        search.value = "";
      }
      if (choice.value) {
        fieldset.classList.remove("missing");
      }
    });
  }

  document.querySelectorAll("fieldset.unmatched").forEach(bind);
})();
