// The statistics page's two charts, from the figures the page carries (#chart-data).
(function () {
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  if (!window.echarts) return;
  var month = echarts.init(document.getElementById("chart-month"));
  month.setOption({
    tooltip: {trigger: "axis"}, legend: {data: ["受理", "办结"]},
    xAxis: {type: "category", data: data.months}, yAxis: {type: "value"},
    series: [{name: "受理", type: "bar", data: data.received}, {name: "办结", type: "bar", data: data.closed}]
  });
  var unit = echarts.init(document.getElementById("chart-unit"));
  unit.setOption({
    tooltip: {trigger: "axis"}, grid: {left: 110},
    xAxis: {type: "value"}, yAxis: {type: "category", data: data.units.slice().reverse()},
    series: [{name: "受理", type: "bar", data: data.unit_received.slice().reverse()}]
  });
  window.addEventListener("resize", function () { month.resize(); unit.resize(); });
})();
