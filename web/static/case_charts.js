// R-COMPLAINT-CATEGORIES: complaints per category per month (Chart.js 4, vendored), stacked bars.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("categories-data").textContent);
  var colours = ["#1d3b5c", "#90caf9", "#c62828", "#2e7d32", "#f9a825", "#6a1b9a", "#00838f", "#8d6e63", "#bdbdbd"];
  new Chart(document.getElementById("chart-categories"), {
    type: "bar",
    data: { labels: data.labels, datasets: data.series.map(function (s, i) {
      return { label: s.label, data: s.data, backgroundColor: colours[i % colours.length] };
    }) },
    options: { animation: false, maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } }
  });
  document.body.dataset.chartsReady = "1";
})();
