// The sweep page's charts, drawn with Apache ECharts (ApexCharts has no parallel coordinates): the parallel-coordinates
// view (an axis per parameter and one for the metric, a line per trial coloured by its metric, each axis brushable), the
// metric against each parameter, and every trial's validation curve. ECharts (1 MB) is loaded the first time a sweep page needs it.
let loading = null;

function echartsLoaded() {
  loading ??= new Promise((resolve, reject) => {
    if (window.echarts) { resolve(window.echarts); return; }
    const script = document.createElement("script");
    script.src = "_content/Dashboard.Client/lib/echarts.min.js";
    script.onload = () => resolve(window.echarts);
    script.onerror = () => reject(new Error("echarts.min.js could not be loaded"));
    document.head.appendChild(script);
  });
  return loading;
}

const colours = ["#d94e5d", "#eac736", "#50a3ba"]; // worst to best
const charts = new Map();
let nextId = 1;

const round = v => (v == null ? v : Math.round(v * 1e6) / 1e6);
const metricRange = data => {
  const values = data.trials.map(t => t.metric).filter(v => v != null);
  return values.length ? [Math.min(...values), Math.max(...values)] : [0, 1];
};
// Higher is better for accuracy, lower for loss: the best trials are always drawn in the last colour.
const visualMap = (data, dimension) => {
  const [min, max] = metricRange(data);
  return {
    type: "continuous", min, max: max > min ? max : min + 1e-9, dimension, calculable: false, orient: "vertical", right: 0, top: "middle",
    text: [data.metric.goal === "maximize" ? "best" : "worst", data.metric.goal === "maximize" ? "worst" : "best"],
    inRange: { color: data.metric.goal === "maximize" ? colours : [...colours].reverse() },
  };
};

function parallelOption(data) {
  const axes = data.axes.map((a, i) => ({
    dim: i, name: a.name, type: a.type, data: a.type === "category" ? a.data : undefined,
    nameTextStyle: { fontSize: 12 }, axisLabel: { formatter: a.type === "log" ? v => Number(v).toExponential(0) : undefined },
  }));
  axes.push({ dim: axes.length, name: data.metric.name, type: "value", scale: true, nameTextStyle: { fontSize: 12, fontWeight: "bold" } });
  return {
    animation: false,
    parallel: { left: 70, right: 110, top: 50, bottom: 30, parallelAxisDefault: { nameLocation: "end", nameGap: 16, areaSelectStyle: { width: 18 } } },
    parallelAxis: axes,
    visualMap: visualMap(data, axes.length - 1),
    tooltip: { trigger: "item", formatter: p => `trial ${data.trials[p.dataIndex].number}` },
    series: [{
      type: "parallel", smooth: false, inactiveOpacity: 0.04, activeOpacity: 0.9, lineStyle: { width: 2, opacity: 0.7 },
      data: data.trials.map(t => [...t.values.map(round), round(t.metric)]),
    }],
  };
}

function scatterOption(data) {
  const count = data.axes.length;
  const columns = Math.min(count, 3);
  const rows = Math.ceil(count / columns);
  const grid = data.axes.map((_, i) => ({
    left: `${(i % columns) * (100 / columns) + 7}%`, width: `${100 / columns - 11}%`,
    top: `${Math.floor(i / columns) * (100 / rows) + 8}%`, height: `${100 / rows - 18}%`,
  }));
  return {
    animation: false, grid,
    xAxis: data.axes.map((a, i) => ({ gridIndex: i, type: a.type, data: a.type === "category" ? a.data : undefined, name: a.name, nameLocation: "middle", nameGap: 24, scale: true,
      axisLabel: { formatter: a.type === "log" ? v => Number(v).toExponential(0) : undefined } })),
    yAxis: data.axes.map((_, i) => ({ gridIndex: i, type: "value", scale: true, name: i % columns === 0 ? data.metric.name : "" })),
    visualMap: { ...visualMap(data, 1), show: false, seriesIndex: data.axes.map((_, i) => i) },
    tooltip: { trigger: "item", formatter: p => `trial ${p.data[2]}: ${round(p.data[1])}` },
    series: data.axes.map((_, i) => ({
      type: "scatter", xAxisIndex: i, yAxisIndex: i, symbolSize: 9,
      data: data.trials.filter(t => t.metric != null).map(t => [t.values[i], round(t.metric), t.number]),
    })),
  };
}

// A trial's colour by its metric, as the visual map colours the other charts (worst red, best blue).
function colourOf(data, metric) {
  if (metric == null) return "#999";
  const [min, max] = metricRange(data);
  let t = max > min ? (metric - min) / (max - min) : 1;
  if (data.metric.goal !== "maximize") t = 1 - t;
  const hex = c => [1, 3, 5].map(i => parseInt(c.slice(i, i + 2), 16));
  const [a, b] = t < 0.5 ? [hex(colours[0]), hex(colours[1])] : [hex(colours[1]), hex(colours[2])];
  const u = t < 0.5 ? t * 2 : (t - 0.5) * 2;
  return `rgb(${a.map((v, i) => Math.round(v + (b[i] - v) * u)).join(",")})`;
}

function curvesOption(data) {
  return {
    animation: false,
    grid: { left: 60, right: 30, top: 30, bottom: 40 },
    xAxis: { type: "value", name: "epoch", nameLocation: "middle", nameGap: 26, minInterval: 1 },
    yAxis: { type: "value", name: data.metric.name, scale: true },
    tooltip: { trigger: "item", formatter: p => `trial ${p.seriesName}, epoch ${p.data[0]}: ${round(p.data[1])}` },
    series: data.trials.map(t => ({
      name: String(t.number), type: "line", showSymbol: t.curve.length < 2, symbolSize: 5,
      lineStyle: { color: colourOf(data, t.metric), width: 2 }, itemStyle: { color: colourOf(data, t.metric) },
      data: t.curve.map((v, e) => [e + 1, round(v)]).filter(p => p[1] != null),
    })),
  };
}

const options = { parallel: parallelOption, scatter: scatterOption, curves: curvesOption };

// kind: parallel, scatter or curves; listener: a .NET object whose Brushed(numbers) hears the trials an axis brush keeps (parallel only).
export async function create(element, kind, data, listener) {
  const echarts = await echartsLoaded();
  const chart = echarts.init(element, null, { renderer: "svg" });
  const id = nextId++;
  const entry = { chart, kind, data, resize: () => chart.resize() };
  charts.set(id, entry);
  chart.setOption(options[kind](data));
  if (kind === "parallel" && listener) {
    chart.on("axisareaselected", () => {
      const active = chart.getModel().getSeries()[0].getRawIndicesByActiveState("active");
      const filtered = chart.getModel().findComponents({ mainType: "parallelAxis" }).some(a => a.activeIntervals && a.activeIntervals.length > 0);
      listener.invokeMethodAsync("OnBrushed", filtered ? active.map(i => entry.data.trials[i].number) : null);
    });
  }
  window.addEventListener("resize", entry.resize);
  element.dataset.trials = String(data.trials.length);
  return id;
}

// New data (a trial started, ended or reached an epoch): the chart is redrawn, keeping the brushed intervals.
export function update(id, data) {
  const entry = charts.get(id);
  if (!entry) return;
  entry.data = data;
  entry.chart.setOption(options[entry.kind](data), { replaceMerge: ["series", "xAxis", "yAxis", "grid"] });
  entry.chart.getDom().dataset.trials = String(data.trials.length);
}

export function dispose(id) {
  const entry = charts.get(id);
  if (!entry) return;
  window.removeEventListener("resize", entry.resize);
  entry.chart.dispose();
  charts.delete(id);
}
