/* Behaviour every page may use, added over markup that works without it (noscript.css covers what it would change).
   No inline code and no inline styles anywhere: the Content-Security-Policy allows neither.

   - The phone menu: the «Danh mục» button in the header opens and closes the menu (app.css hides the menu on narrow
     screens until it is opened); Escape closes it. The count of unread notifications shows on the button.
   - The unit picker, on each field rendered by _unit_field.html: typing a name (with or without diacritics) or part
     of a code asks /don-vi/tim/?format=json for the matching units the user may see, shown as a listbox under the
     field (ARIA combobox: arrow keys, Enter, Escape, or a click); choosing one puts its code in the field and its
     name beside the label. The field still takes a code typed in full; a name left in it is resolved on submit
     when it matches one unit, and otherwise the list opens asking to choose. Every text shown comes from the
     server or the page (already translated). */
(function () {
  "use strict";

  var DELAY = 250;

  function menu() {
    var header = document.querySelector("header.top");
    var button = header && header.querySelector(".menu-toggle");
    if (!button) {
      return;
    }
    // the unread notifications' count shows on the button too, while the menu is closed
    var unread = header.querySelector("nav .badge.unread-count");
    if (unread) {
      var badge = unread.cloneNode(true);
      badge.setAttribute("aria-hidden", "true");
      var spoken = document.createElement("span");
      spoken.className = "visually-hidden";
      spoken.textContent = unread.parentElement.getAttribute("aria-label") || "";
      button.appendChild(badge);
      button.appendChild(spoken);
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

  function UnitPicker(field) {
    this.field = field;
    this.input = field.querySelector("input");
    this.endpoint = field.getAttribute("data-unit-search");
    this.results = [];
    this.active = -1;
    this.timer = null;
    this.request = null;
    this.answered = null; // the query the results are for
    this.build();
    this.bind();
    if (this.input.value.trim()) {
      this.lookUp(this.input.value.trim());
    }
  }

  UnitPicker.prototype.build = function () {
    var id = this.input.id;
    var head = this.field.querySelector(".unit-field-head");
    var lookup = this.field.querySelector(".unit-lookup");
    if (lookup) {
      lookup.hidden = true; // the field itself searches now
    }
    this.picked = document.createElement("span");
    this.picked.className = "unit-picked";
    this.picked.id = id + "-picked";
    head.appendChild(this.picked);

    this.popup = document.createElement("div");
    this.popup.className = "unit-popup";
    this.popup.hidden = true;
    this.status = document.createElement("p"); // what was found, on screen; read out by the live region below
    this.status.className = "unit-status";
    this.status.setAttribute("aria-hidden", "true");
    this.list = document.createElement("ul");
    this.list.className = "unit-options";
    this.list.id = id + "-options";
    this.list.setAttribute("role", "listbox");
    var label = head.querySelector("label");
    label.id = label.id || id + "-label";
    this.list.setAttribute("aria-labelledby", label.id);
    this.popup.appendChild(this.status);
    this.popup.appendChild(this.list);
    this.input.insertAdjacentElement("afterend", this.popup);
    this.live = document.createElement("span"); // present from the start, so that screen readers announce changes
    this.live.className = "visually-hidden";
    this.live.setAttribute("role", "status");
    this.field.appendChild(this.live);

    this.input.setAttribute("role", "combobox");
    this.input.setAttribute("aria-autocomplete", "list");
    this.input.setAttribute("aria-expanded", "false");
    this.input.setAttribute("aria-controls", this.list.id);
    this.input.setAttribute("aria-describedby", this.picked.id);
  };

  UnitPicker.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("input", function () {
      self.picked.textContent = "";
      window.clearTimeout(self.timer);
      var query = self.input.value.trim();
      if (!query) {
        self.close();
        return;
      }
      self.timer = window.setTimeout(function () { self.search(query, true); }, DELAY);
    });
    this.input.addEventListener("keydown", function (event) { self.key(event); });
    this.input.addEventListener("blur", function () { self.close(); });
    this.popup.addEventListener("mousedown", function (event) {
      event.preventDefault(); // the focus stays in the field (a click on the list's scroll bar too)
      var option = event.target.closest("[role=option]");
      if (option) {
        self.choose(Number(option.getAttribute("data-index")));
      }
    });
    if (this.input.form) {
      this.input.form.addEventListener("submit", function (event) { self.submit(event); });
    }
  };

  UnitPicker.prototype.params = function (query) {
    var params = new URLSearchParams({ q: query, format: "json",
                                       scope: this.field.getAttribute("data-unit-scope") || "view" });
    var form = this.input.form;
    [["as_of", "data-unit-date"], ["year", "data-unit-year"]].forEach(function (pair) {
      var name = this.field.getAttribute(pair[1]);
      var other = name && form && form.elements.namedItem(name);
      if (other && other.value) {
        params.set(pair[0], other.value);
      }
    }, this);
    return params;
  };

  UnitPicker.prototype.fetch = function (query) {
    if (this.request) {
      this.request.abort();
    }
    this.request = new AbortController();
    return window.fetch(this.endpoint + "?" + this.params(query).toString(), {
      headers: { Accept: "application/json" }, credentials: "same-origin", signal: this.request.signal
    }).then(function (response) { return response.json(); });
  };

  UnitPicker.prototype.search = function (query, open) {
    var self = this;
    return this.fetch(query).then(function (data) {
      if (self.input.value.trim() !== query) {
        return data; // typed on since
      }
      self.show(query, data, open);
      return data;
    }, function (error) {
      if (error.name !== "AbortError") {
        self.close();
      }
      return null;
    });
  };

  UnitPicker.prototype.lookUp = function (code) {
    var self = this;
    this.fetch(code).then(function (data) {
      var first = data.results && data.results[0];
      if (first && first.code === code && self.input.value.trim() === code) {
        self.picked.textContent = first.name;
      }
    }, function () { /* the name beside the label is only a help */ });
  };

  UnitPicker.prototype.show = function (query, data, open) {
    var self = this;
    this.answered = query;
    this.results = data.results || [];
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    this.list.textContent = "";
    this.results.forEach(function (unit, index) {
      var option = document.createElement("li");
      option.id = self.list.id + "-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.setAttribute("data-index", String(index));
      option.setAttribute("data-code", unit.code);
      var name = document.createElement("span");
      name.textContent = unit.name;
      var note = document.createElement("span");
      note.className = "note";
      note.textContent = [unit.code, unit.level, unit.parent, unit.dates].filter(Boolean).join(" · ");
      option.appendChild(name);
      option.appendChild(note);
      self.list.appendChild(option);
    });
    this.say(data.status || "");
    if (open) {
      this.popup.hidden = false;
      this.input.setAttribute("aria-expanded", this.results.length ? "true" : "false");
    }
  };

  UnitPicker.prototype.say = function (text) {
    this.status.textContent = text;
    this.live.textContent = text;
  };

  UnitPicker.prototype.close = function () {
    this.popup.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
    this.active = -1;
  };

  UnitPicker.prototype.move = function (step) {
    var count = this.results.length;
    if (!count) {
      return;
    }
    if (this.popup.hidden) {
      this.popup.hidden = false;
      this.input.setAttribute("aria-expanded", "true");
    }
    var previous = this.list.children[this.active];
    if (previous) {
      previous.setAttribute("aria-selected", "false");
    }
    this.active = (this.active + step + count) % count;
    var option = this.list.children[this.active];
    option.setAttribute("aria-selected", "true");
    option.scrollIntoView({ block: "nearest" });
    this.input.setAttribute("aria-activedescendant", option.id);
  };

  UnitPicker.prototype.key = function (event) {
    var open = !this.popup.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      this.move(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Enter" && open && this.active >= 0) {
      event.preventDefault();
      this.choose(this.active);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      this.close();
    }
  };

  UnitPicker.prototype.choose = function (index) {
    var unit = this.results[index];
    if (!unit) {
      return;
    }
    this.input.value = unit.code;
    this.picked.textContent = unit.name;
    this.answered = unit.code;
    this.results = [unit];
    this.close();
    this.input.dispatchEvent(new Event("change", { bubbles: true }));
  };

  /* A name left in the field: one match is taken as the choice; otherwise the list opens and asks to choose. A value
     that is a code (a result's code, or what the server knows by that code) goes as it is. */
  UnitPicker.prototype.submit = function (event) {
    var self = this;
    var value = this.input.value.trim();
    if (!value || /^[0-9]+$/.test(value) || this.results.some(function (u) { return u.code === value; })) {
      return;
    }
    event.preventDefault();
    var form = this.input.form;
    var submitter = event.submitter;
    this.search(value, false).then(function (data) {
      var results = (data && data.results) || [];
      var exact = results.filter(function (u) { return u.code === value; });
      if (exact.length === 1 || results.length === 1) {
        self.choose(results.indexOf(exact[0] || results[0]));
        if (form.requestSubmit) {
          form.requestSubmit(submitter || undefined);
        } else {
          form.submit();
        }
        return;
      }
      if (data) {
        self.say((data.status || "") + " " + self.field.getAttribute("data-unit-choose"));
        self.popup.hidden = false;
        self.input.setAttribute("aria-expanded", results.length ? "true" : "false");
      }
      self.input.focus();
    });
  };

  function start() {
    menu();
    Array.prototype.forEach.call(document.querySelectorAll(".unit-field[data-unit-search]"), function (field) {
      if (field.querySelector("input")) {
        new UnitPicker(field);
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
