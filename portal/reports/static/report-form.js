// Recomputes the derived indicators and the running sums of groups as the curator types,
// asks for the reason of a value changed from the register's, fills a section's blank
// numbers with 0 when asked, moves focus to the error summary and from its links to the
// fields, and lets a submit button fire once.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var spec = JSON.parse(form.dataset.derived || "[]");
  var groups = JSON.parse(form.dataset.groups || "[]");
  var locale = document.documentElement.lang === "en" ? "en-US" : "ru-RU";
  var format = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });

  function number(code) {
    var input = form.querySelector('input[data-code="' + code + '"]');
    if (!input) { return null; }
    var text = input.value.trim().replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
    if (text === "" || !/^[+-]?\d+(\.\d+)?$/.test(text)) { return null; }
    return parseFloat(text);
  }

  function sum(codes) {
    var total = 0;
    for (var i = 0; i < codes.length; i++) {
      var value = number(codes[i]);
      if (value === null) { return null; }
      total += value;
    }
    return total;
  }

  function recompute() {
    spec.forEach(function (d) {
      var cell = form.parentNode.querySelector('[data-derived-code="' + d.code + '"]');
      var top = sum(d.numerator), bottom = sum(d.denominator);
      if (!cell) { return; }
      if (top === null || bottom === null || bottom === 0) { cell.textContent = "—"; return; }
      var value = top / bottom * d.scale;
      cell.textContent = format.format(value) + (d.unit === "percent" ? " %" : "");
    });
  }

  // A group's running sum: blank parts add nothing; it contradicts the total only once
  // every named part is a number (as the rule itself says).
  function recomputeGroups() {
    groups.forEach(function (g) {
      var box = form.querySelector('[data-sum-group="' + g.rule + '"]');
      if (!box) { return; }
      var running = 0, complete = true;
      g.parts.concat(g.open).forEach(function (code) {
        var value = number(code);
        if (value === null) {
          if (g.parts.indexOf(code) >= 0) { complete = false; }
        } else {
          running += value;
        }
      });
      var total = number(g.total);
      box.querySelector("[data-sum-value]").textContent = format.format(running);
      box.querySelector("[data-sum-mismatch]").hidden =
        !(complete && total !== null && Math.abs(total - running) > 1e-9);
    });
  }

  function blank(input) { return input.value.trim() === ""; }

  // «В разделе нет данных — везде 0»: only the blank numbers of this section, only on click.
  form.querySelectorAll("[data-zero-section]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var section = button.closest("fieldset");
      section.querySelectorAll("input[data-zero]").forEach(function (input) {
        if (blank(input) && !input.readOnly) { input.value = "0"; }
      });
      var status = section.querySelector("[data-zero-status]");
      if (status) { status.textContent = button.dataset.zeroDone; status.hidden = false; }
      recompute();
      recomputeGroups();
    });
  });

  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.querySelectorAll("a[data-error-link]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var target = document.getElementById(decodeURIComponent(link.hash.slice(1)));
        if (!target) { return; }
        event.preventDefault();
        target.scrollIntoView({ block: "center" });
        target.focus();
      });
    });
    if (summary.dataset.focus || window.location.hash === "#error-summary") {
      summary.focus();
    }
  }

  // A value changed from the register's asks for the reason of the change.
  function reasons(event) {
    var input = event.target;
    if (!input.dataset || input.dataset.register === undefined) { return; }
    var box = form.querySelector('[data-reason-for="' + input.dataset.code + '"]');
    if (box && number(input.dataset.code) !== parseFloat(input.dataset.register.replace(",", "."))) {
      box.classList.remove("d-none");
    }
  }

  form.addEventListener("input", function () { recompute(); recomputeGroups(); });
  form.addEventListener("input", reasons);
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (button && button.hasAttribute("data-once")) {
      if (button.dataset.sent) { event.preventDefault(); return; }
      button.dataset.sent = "1";
      // Keep the button's name/value in the request although it is disabled right after.
      var hidden = document.createElement("input");
      hidden.type = "hidden"; hidden.name = button.name; hidden.value = button.value;
      form.appendChild(hidden);
      setTimeout(function () { button.disabled = true; }, 0);
    }
  });
  recompute();
  recomputeGroups();
})();
