// The form engine's script (src/web/form.rs). Loaded with <script src=… defer>; no inline
// script anywhere (CSP script-src 'self'). Without it every field stays visible and usable.
// 1. Fields that only matter for some answer (data-show-name / data-show-values, from the
//    schema's if/then) are hidden while that answer is not given, unless they hold a value or
//    an error.
// 2. "Add a row" buttons copy the last row of a repeatable group, emptied and renumbered.
// 3. The first invalid field gets the focus when the page opens.
// 4. A draft's form (data-autosave) saves itself a few seconds after typing stops, and at once
//    when the page is hidden (a tablet put to sleep, the tab closed): nothing typed is lost. The
//    time of the last save is shown; when the draft was saved in another tab meanwhile, the
//    server refuses (409) and autosaving stops without overwriting it; when the network is down,
//    it says so and tries again.
// 5. Long text fields count their characters against their limit.
// 6. The table of contents follows the typing: each section's state (未記入 / 記入中 / 済), by
//    the rule of src/web/form/contents.rs.
(function () {
  "use strict";

  function valuesOf(form, name) {
    var values = [];
    form.querySelectorAll("[name]").forEach(function (input) {
      if (input.name !== name) return;
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) values.push(input.value);
      } else if (input.value !== "") {
        values.push(input.value);
      }
    });
    return values;
  }

  function holdsSomething(element) {
    if (element.querySelector("[aria-invalid='true']")) return true;
    return Array.prototype.some.call(element.querySelectorAll("input, select, textarea"), function (input) {
      if (input.type === "radio" || input.type === "checkbox") return input.checked && input.value !== "";
      if (input.type === "hidden") return false;
      return input.value !== "";
    });
  }

  function updateConditions(form) {
    form.querySelectorAll("[data-show-name]").forEach(function (element) {
      var wanted;
      try {
        wanted = JSON.parse(element.getAttribute("data-show-values"));
      } catch (e) {
        return;
      }
      var given = valuesOf(form, element.getAttribute("data-show-name"));
      var shown = given.some(function (v) { return wanted.indexOf(v) >= 0; });
      element.hidden = !shown && !holdsSomething(element);
    });
  }

  function renamed(value, from, to, separator) {
    if (value === from) return to;
    if (value.indexOf(from + separator) === 0) return to + value.slice(from.length);
    return value;
  }

  function addRow(group) {
    var list = group.querySelector(".rf-row-list");
    var rows = list.querySelectorAll(":scope > .rf-row");
    if (rows.length === 0) return;
    var max = parseInt(group.getAttribute("data-max-items") || "0", 10);
    var last = rows[rows.length - 1];
    var next = 0;
    rows.forEach(function (row) {
      next = Math.max(next, parseInt(row.getAttribute("data-row-index"), 10) + 1);
    });
    var oldName = last.getAttribute("data-row-name");
    var oldId = last.getAttribute("data-row-id");
    var newName = group.getAttribute("data-rows-name") + "/" + next;
    var newId = group.getAttribute("data-rows-id") + "-" + next;
    var row = last.cloneNode(true);
    row.setAttribute("data-row-name", newName);
    row.setAttribute("data-row-id", newId);
    row.setAttribute("data-row-index", String(next));
    var all = [row].concat(Array.prototype.slice.call(row.querySelectorAll("*")));
    all.forEach(function (element) {
      ["name", "data-show-name"].forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value !== null) element.setAttribute(attribute, renamed(value, oldName, newName, "/"));
      });
      ["id", "for"].forEach(function (attribute) {
        var value = element.getAttribute(attribute);
        if (value !== null) element.setAttribute(attribute, renamed(value, oldId, newId, "-"));
      });
      var described = element.getAttribute("aria-describedby");
      if (described !== null) {
        element.setAttribute("aria-describedby", described.split(" ").map(function (id) {
          return renamed(id, oldId, newId, "-");
        }).join(" "));
      }
    });
    row.querySelectorAll(".rf-errors").forEach(function (list) { list.remove(); });
    row.querySelectorAll(".rf-invalid").forEach(function (el) { el.classList.remove("rf-invalid"); });
    row.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    row.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        input.checked = input.value === "" && input.type === "radio";
      } else if (input.type !== "hidden") {
        input.value = "";
      }
    });
    var title = row.querySelector(".rf-row-title");
    if (title) title.textContent = title.textContent.replace(/\d+$/, String(rows.length + 1));
    list.appendChild(row);
    var first = row.querySelector("input:not([type='hidden']), select, textarea");
    if (first) first.focus();
    if (max > 0 && rows.length + 1 >= max) group.querySelector("[data-add-row]").disabled = true;
    updateConditions(group.closest(".renkei-form") || document);
  }

  function start(form) {
    form.querySelectorAll("[data-add-row]").forEach(function (button) {
      var group = button.closest("[data-rows-name]");
      var max = parseInt(group.getAttribute("data-max-items") || "0", 10);
      var count = group.querySelectorAll(".rf-row-list > .rf-row").length;
      button.hidden = false;
      button.disabled = max > 0 && count >= max;
      button.addEventListener("click", function () { addRow(group); });
    });
    form.addEventListener("change", function () { updateConditions(form); });
    // A field the browser finds invalid on submit must not stay hidden.
    form.addEventListener("invalid", function (event) {
      var hidden = event.target.closest("[hidden]");
      while (hidden) {
        hidden.hidden = false;
        hidden = hidden.parentElement && hidden.parentElement.closest("[hidden]");
      }
    }, true);
    updateConditions(form);
  }

  function autosave(form) {
    var status = document.getElementById("autosave-status");
    var stamp = form.querySelector("input[name='saved_at']");
    var dirty = false, busy = false, stopped = false, timer = null;

    function say(text) { if (status) status.textContent = text; }
    function now() {
      var d = new Date();
      return d.getHours() + ":" + ("0" + d.getMinutes()).slice(-2);
    }
    function schedule(delay) {
      clearTimeout(timer);
      timer = setTimeout(save, delay || 3000);
    }
    function save(leaving) {
      if (!dirty || busy || stopped) return;
      dirty = false;
      busy = true;
      var data = new URLSearchParams(new FormData(form));
      data.set("action", "autosave");
      // getAttribute: the form's buttons are named "action", which form.action would return.
      fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin", keepalive: leaving === true })
        .then(function (response) {
          busy = false;
          if (response.status === 204) {
            if (stamp) stamp.value = response.headers.get("X-Saved-At") || stamp.value;
            say("自動保存しました（" + now() + "）");
          } else if (response.status === 409) {
            stopped = true;
            return response.text().then(say);
          } else {
            dirty = true;
            say("自動保存できませんでした。入力した内容はこの画面に残っています。");
          }
          if (dirty) schedule(10000);
        })
        .catch(function () {
          busy = false;
          dirty = true;
          say("通信できないため自動保存できませんでした。入力した内容はこの画面に残っています。つながり次第、保存します。");
          schedule(10000);
        });
    }
    function changed() {
      dirty = true;
      schedule();
    }
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    // Saving or sending by hand takes over: no background save races it.
    form.addEventListener("submit", function () { stopped = true; clearTimeout(timer); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") save(true);
    });
    window.addEventListener("pagehide", function () { save(true); });
    window.addEventListener("online", function () { if (dirty) schedule(500); });
  }

  // 5. A long text field shows how much of its limit is used, so that nothing is cut off
  //    unseen (the browser stops typing at maxlength).
  function counters(form) {
    form.querySelectorAll("textarea[maxlength]").forEach(function (area) {
      var limit = parseInt(area.getAttribute("maxlength"), 10);
      var counter = document.createElement("p");
      counter.className = "rf-counter";
      counter.id = area.id + "-counter";
      counter.setAttribute("aria-live", "polite");
      function update() {
        var used = area.value.length;
        counter.textContent = used + " / " + limit + " 文字" + (used >= limit ? "（上限です）" : "");
        counter.classList.toggle("rf-counter-full", used >= limit);
      }
      area.insertAdjacentElement("afterend", counter);
      area.addEventListener("input", update);
      update();
    });
  }

  // 6. A section holds an answer (a value typed or chosen, the fixed ones aside) or not; it is
  //    済 when no field it requires (and shows) is left empty, else 記入中.
  var STATES = { empty: "未記入", started: "記入中", done: "済" };

  function stateOf(section) {
    var answered = false, missing = false, groups = {};
    section.querySelectorAll("input, select, textarea").forEach(function (input) {
      if (input.type === "hidden" || input.closest("[hidden]")) return;
      var choice = input.type === "radio" || input.type === "checkbox";
      var given = choice ? input.checked && input.value !== "" : input.value !== "";
      if (given) answered = true;
      if (!input.required) return;
      if (input.type === "radio") {
        groups[input.name] = groups[input.name] || given;
      } else if (!given) {
        missing = true;
      }
    });
    Object.keys(groups).forEach(function (name) { if (!groups[name]) missing = true; });
    return !answered ? "empty" : missing ? "started" : "done";
  }

  function contents(form) {
    var badges = form.querySelectorAll("[data-section-state]");
    if (!badges.length) return;
    function update() {
      badges.forEach(function (badge) {
        var section = document.getElementById(badge.getAttribute("data-section-state"));
        if (!section) return;
        var state = stateOf(section);
        badge.textContent = STATES[state];
        badge.className = "rf-state rf-state-" + state;
      });
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }

  function ready() {
    var forms = document.querySelectorAll(".renkei-form");
    forms.forEach(start);
    forms.forEach(counters);
    forms.forEach(contents);
    document.querySelectorAll("form[data-autosave]").forEach(autosave);
    var first = document.querySelector(".renkei-form [aria-invalid='true']");
    if (first) {
      first.focus();
    } else {
      var summary = document.querySelector(".renkei-form .rf-summary");
      if (summary) summary.focus();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
