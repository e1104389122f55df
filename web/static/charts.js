// Supervisor charts (Chart.js 4, vendored): calls per bucket, SL and abandon rate over time.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("series-data").textContent);
  var labels = JSON.parse(document.getElementById("series-labels").textContent);
  new Chart(document.getElementById("chart-calls"), {
    type: "bar",
    data: { labels: data.labels, datasets: [
      { label: labels.offered, data: data.offered, backgroundColor: "#90caf9" },
      { label: labels.answered, data: data.answered, backgroundColor: "#1d3b5c" },
      { label: labels.ivr_only, data: data.ivr_only, backgroundColor: "#bdbdbd" } ] },
    options: { animation: false, maintainAspectRatio: false }
  });
  new Chart(document.getElementById("chart-rates"), {
    type: "line",
    data: { labels: data.labels, datasets: [
      { label: labels.sl, data: data.sl_pct, borderColor: "#2e7d32", spanGaps: true },
      { label: labels.abandon, data: data.abandon_pct, borderColor: "#c62828", spanGaps: true } ] },
    options: { animation: false, maintainAspectRatio: false, scales: { y: { min: 0, max: 100 } } }
  });
  document.body.dataset.chartsReady = "1";
})();
