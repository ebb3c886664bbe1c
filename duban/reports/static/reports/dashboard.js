/* 驾驶舱: the ECharts options are built from the page's figures (json_script
 * "dashboard-data", made by duban/reports/dashboard.py). Every data item carries `url`,
 * the ledger filtered to the tasks it counts; a click on it opens that page.
 * The chart instances are kept in window.dubanCharts (category, trend, units, lights)
 * so that tests can read their options. */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent);
  var font = window.getComputedStyle(document.body).fontFamily;
  var STATUS_COLORS = {
    completed: "#1e9e57",
    on_track: "#2563c9",
    lagging: "#d92d20",
    unjudged: "#c7ccd4"
  };
  var LIGHT_COLORS = { green: "#1e9e57", blue: "#2563c9", yellow: "#e0a800", red: "#d92d20" };
  var NONE_COLOR = "#c7ccd4";
  var charts = {};
  window.dubanCharts = charts;

  function open(params) {
    var url = params && params.data && params.data.url;
    if (url) window.location.href = url;
  }

  function emptyTitle(text) {
    return {
      text: text,
      left: "center",
      top: "middle",
      textStyle: { color: "#6b7280", fontSize: 14, fontWeight: "normal" }
    };
  }

  // A chart narrower than this (a phone) gets shorter axis labels and no pie labels.
  var NARROW = 480;

  function isNarrow(el) { return el.clientWidth < NARROW; }

  function make(name, optionFor, height) {
    var el = document.getElementById("chart-" + name);
    if (!el) return;
    if (height) el.style.height = height + "px";
    var chart = window.echarts.init(el);
    var narrow = isNarrow(el);
    chart.setOption(withFont(optionFor(narrow)));
    chart.on("click", open);
    chart.on("finished", function () { el.dataset.rendered = "1"; });
    // A pointer over an element that leads somewhere, an arrow elsewhere.
    chart.on("mouseover", function (params) {
      el.style.cursor = params.data && params.data.url ? "pointer" : "default";
    });
    chart.dubanResize = function () {
      if (isNarrow(el) !== narrow) {
        narrow = !narrow;
        chart.setOption(withFont(optionFor(narrow)));
      }
      chart.resize();
    };
    charts[name] = chart;
  }

  function withFont(option) {
    option.textStyle = { fontFamily: font };
    return option;
  }

  function short(width) {
    return { width: width, overflow: "break", lineHeight: 15 };
  }

  // 各类别推进情况: stacked bars, one bar per category.
  var statuses = ["completed", "on_track", "lagging"];
  if (data.categories.some(function (c) { return c.unjudged > 0; })) statuses.push("unjudged");
  make("category", function (narrow) { return {
    color: statuses.map(function (s) { return STATUS_COLORS[s]; }),
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0, itemWidth: 14, itemHeight: 10 },
    grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: {
      type: "category",
      inverse: true,
      data: data.categories.map(function (c) { return c.name; }),
      axisLabel: short(narrow ? 84 : 156),
      axisTick: { show: false }
    },
    series: statuses.map(function (s) {
      return {
        name: data.labels.status[s],
        type: "bar",
        stack: "status",
        barMaxWidth: 28,
        label: {
          show: true,
          color: s === "unjudged" ? "#374151" : "#fff",
          formatter: function (p) { return p.value ? String(p.value) : ""; }
        },
        emphasis: { focus: "series" },
        data: data.categories.map(function (c) {
          return { value: c[s], url: s === "unjudged" ? null : c.urls[s] };
        })
      };
    })
  }; }, Math.max(240, 56 * data.categories.length + 60));

  // 各月滞后率: a line over the judged months.
  var months = data.by_month;
  make("trend", function () { return {
    title: months.length ? undefined : emptyTitle("本年度尚无研判结果"),
    tooltip: {
      trigger: "axis",
      formatter: function (items) {
        var m = months[items[0].dataIndex];
        var value = m.lag_rate === null ? "—" : m.lag_rate + "%";
        return m.label + "<br>滞后率 " + value + "（" + m.lagging + "/" + m.judged + " 项）";
      }
    },
    grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true },
    xAxis: { type: "category", boundaryGap: false, data: months.map(function (m) { return m.label; }) },
    yAxis: { type: "value", min: 0, axisLabel: { formatter: "{value}%" } },
    series: [{
      name: "滞后率",
      type: "line",
      symbolSize: 10,
      color: STATUS_COLORS.lagging,
      areaStyle: { opacity: 0.08 },
      label: { show: true, formatter: function (p) { return p.value === null ? "" : p.value + "%"; } },
      data: months.map(function (m) { return { value: m.lag_rate, url: m.url }; })
    }]
  }; });

  // 推进滞后事项 · 按牵头单位: bars, most first.
  var units = data.lagging_by_unit;
  make("units", function (narrow) { return {
    title: units.length ? undefined : emptyTitle(data.month_label + "没有推进滞后的事项"),
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 8, right: 32, top: 8, bottom: 8, containLabel: true },
    xAxis: { type: "value", minInterval: 1 },
    yAxis: {
      type: "category",
      inverse: true,
      data: units.map(function (u) { return u.name; }),
      axisLabel: short(narrow ? 122 : 150),
      axisTick: { show: false }
    },
    series: [{
      name: "推进滞后",
      type: "bar",
      barMaxWidth: 24,
      color: STATUS_COLORS.lagging,
      label: { show: true, position: "right" },
      data: units.map(function (u) { return { value: u.count, url: u.url }; })
    }]
  }; }, units.length ? Math.max(200, 40 * units.length + 40) : 200);

  // 预警灯: a donut; the legend carries the counts, so phones can do without pie labels.
  var counts = {};
  data.lights.forEach(function (l) { counts[l.label] = l.count; });
  make("lights", function (narrow) { return {
    tooltip: { trigger: "item", formatter: "{b}：{c} 项（{d}%）" },
    legend: {
      bottom: 0,
      itemWidth: 14,
      itemHeight: 10,
      formatter: function (name) { return name + " " + counts[name]; }
    },
    series: [{
      name: "预警灯",
      type: "pie",
      radius: narrow ? ["42%", "70%"] : ["40%", "64%"],
      center: ["50%", "45%"],
      avoidLabelOverlap: true,
      label: { formatter: "{b}\n{c} 项" },
      data: data.lights.map(function (l) {
        var shown = l.count > 0 && !narrow;
        return {
          name: l.label,
          value: l.count,
          url: l.url,
          label: { show: shown },
          labelLine: { show: shown },
          itemStyle: { color: l.light ? LIGHT_COLORS[l.light] : NONE_COLOR }
        };
      })
    }]
  }; });

  var pending = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      Object.keys(charts).forEach(function (name) { charts[name].dubanResize(); });
    }, 100);
  });

  // Changing the year or the month shows it at once; the button stays for no-JS.
  var form = document.getElementById("dashboard-select");
  if (form) {
    form.querySelector("button[type=submit]").style.display = "none";
    form.addEventListener("change", function (event) {
      if (event.target.name === "year" && form.elements.period) form.elements.period.value = "";
      form.submit();
    });
  }
})();
