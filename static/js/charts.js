/* The supervision charts (ECharts). Their data comes from json_script blocks in the page, so the
   Content-Security-Policy needs no inline script. Tooltips are drawn on the canvas ("richText"):
   ECharts' HTML tooltips carry inline styles, which the policy refuses. */
(function () {
  "use strict";

  function data(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function draw(containerId, option) {
    var container = document.getElementById(containerId);
    if (!container) return;
    var chart = echarts.init(container);
    option.tooltip = {trigger: "axis", renderMode: "richText"};
    option.legend = {top: 0};
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
  }

  var stats = data("stats-chart-data");
  var labels = data("stats-chart-labels");
  if (stats && labels) {
    draw("stats-chart", {
      grid: {left: 40, right: 10, top: 30, bottom: 60},
      xAxis: {type: "category", data: stats.departments, axisLabel: {interval: 0, rotate: 30}},
      yAxis: {type: "value", minInterval: 1},
      series: [
        {name: labels.received, type: "bar", data: stats.received},
        {name: labels.concluded, type: "bar", data: stats.concluded},
        {name: labels.on_time, type: "bar", data: stats.on_time}
      ]
    });
  }

  var trend = data("alert-trend");
  if (trend) {
    draw("alert-trend-chart", {
      animation: false,
      grid: {left: 40, right: 16, top: 36, bottom: 28},
      xAxis: {type: "category", data: trend.days.map(function (day) { return day.slice(5); })},
      yAxis: {type: "value", minInterval: 1},
      series: [
        {name: trend.labels.red, type: "bar", stack: "level", color: "#dc3545", data: trend.red},
        {name: trend.labels.yellow, type: "bar", stack: "level", color: "#ffc107", data: trend.yellow}
      ]
    });
  }
})();
