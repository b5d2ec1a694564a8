// The roll call (training/roll_call.html): a live count of the people ticked, and buttons to tick or untick everyone.
// The form works without it.
(function () {
  "use strict";

  function setUp(form) {
    var boxes = Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"][name="present"]'));
    var count = form.querySelector("[data-present-count]");
    var locked = form.querySelectorAll('input[type="checkbox"][disabled]').length;

    function refresh() {
      var ticked = boxes.filter(function (box) { return box.checked; }).length;
      if (count) { count.textContent = String(ticked + locked); }
      boxes.forEach(function (box) {
        var row = box.closest("li");
        if (row) { row.toggleAttribute("data-present", box.checked); }
      });
    }

    form.addEventListener("change", refresh);
    var tools = form.querySelector(".roll-tools");
    if (tools && boxes.length) {
      tools.hidden = false;
      tools.addEventListener("click", function (event) {
        var button = event.target.closest("[data-tick]");
        if (!button) { return; }
        var on = button.getAttribute("data-tick") === "all";
        boxes.forEach(function (box) { box.checked = on; });
        refresh();
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-roll-call]").forEach(setUp);
  });
})();
