/* Draws the dashboard figures from their JSON data blocks (no inline script: the CSP
   allows scripts from this site only) and submits the filter form when a filter changes.
   The card's heading shows the chart's title, so the figure's own title is not drawn. */
(function () {
  "use strict";

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-figure"));
    if (!source || !window.Plotly) { return; }
    var figure = JSON.parse(source.textContent);
    var layout = figure.layout || {};
    if (layout.title) {
      layout.title = {text: ""};
      layout.margin = Object.assign({}, layout.margin, {t: Math.max(30, (layout.margin || {}).t - 30)});
    }
    var config = {responsive: true, displaylogo: false,
                  modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d"],
                  toImageButtonOptions: {filename: element.getAttribute("data-name") || "chart"}};
    window.Plotly.newPlot(element, figure.data, layout, config).then(function () {
      element.setAttribute("data-drawn", "1");
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-figure]"), draw);
    Array.prototype.forEach.call(document.querySelectorAll("form[data-autosubmit]"),
      function (form) {
        form.addEventListener("change", function () {
          document.body.setAttribute("aria-busy", "true");
          form.submit();
        });
      });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
