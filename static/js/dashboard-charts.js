// Draws the dashboard's charts with Chart.js (static/vendor/chart.js, loaded before this file).
// Each chart's figures come from a json_script element; its wrapper stays hidden until the chart
// is drawn, so without JavaScript the page shows only the tables, which hold the same figures.
(function () {
  "use strict";

  if (typeof window.Chart === "undefined") {
    return;
  }

  // GOV.UK colours: blue, orange, green, purple, red, turquoise.
  var COLOURS = ["#1d70b8", "#f47738", "#00703c", "#4c2c92", "#d4351c", "#28a197"];

  function datasets(chart) {
    return chart.series.map(function (series, index) {
      var colour = COLOURS[index % COLOURS.length];
      return {
        label: series.label,
        data: series.values,
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: chart.type === "line" ? 3 : 0,
        pointRadius: chart.type === "line" ? 4 : undefined,
        pointStyle: index % 2 ? "rectRot" : "circle",
        tension: 0,
      };
    });
  }

  function draw(wrapper) {
    var source = document.getElementById(wrapper.getAttribute("data-dashboard-chart"));
    if (!source) {
      return;
    }
    var chart = JSON.parse(source.textContent);
    // A fixed height, so a chart of three bars is not as tall as the page is wide.
    var height = chart.horizontal ? Math.max(160, 40 * chart.labels.length + 80) : 280;
    wrapper.style.position = "relative";
    wrapper.style.height = height + "px";
    wrapper.hidden = false;
    new window.Chart(wrapper.querySelector("canvas"), {
      type: chart.type,
      data: { labels: chart.labels, datasets: datasets(chart) },
      options: {
        indexAxis: chart.horizontal ? "y" : "x",
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: {
          title: { display: true, text: chart.title, color: "#0b0c0c", font: { size: 16 } },
          legend: { display: chart.series.length > 1, labels: { color: "#0b0c0c" } },
        },
        scales: {
          x: { beginAtZero: true, ticks: { color: "#0b0c0c", precision: 0 } },
          y: { beginAtZero: true, ticks: { color: "#0b0c0c", precision: 0 } },
        },
      },
    });
  }

  var wrappers = document.querySelectorAll("[data-dashboard-chart]");
  for (var i = 0; i < wrappers.length; i++) {
    draw(wrappers[i]);
  }
})();
