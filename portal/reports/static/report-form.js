// Recomputes the derived indicators as the curator types, and lets a submit button fire once.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var spec = JSON.parse(form.dataset.derived || "[]");
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

  form.addEventListener("input", recompute);
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
})();
