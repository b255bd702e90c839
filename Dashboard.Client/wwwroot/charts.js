// The line chart component's module (LineChart.razor): static ApexCharts line charts whose data comes from .NET,
// e.g. runs compared on the Runs page. A run's live charts are steps.js's, whose smoothing and downsampling this uses.
// ApexCharts is the UMD build loaded by App.razor from wwwroot/lib.
import { chartHost } from "./chart-host.js";
import { smooth, lttb } from "./steps.js";

const charts = new Map();
let nextId = 1;

// Points of a line drawn at most: ApexCharts draws every point it is given as SVG.
const drawnPoints = 1000;

// A line as drawn: smoothed when marked so, then downsampled.
function line(s, smoothing) {
  const ys = s.smooth && smoothing > 0 ? smooth(s.points.map(p => p.y), smoothing) : s.points.map(p => p.y);
  const keep = lttb(s.points.map(p => p.x), ys, drawnPoints);
  return { name: s.name, data: keep.map(i => ({ x: s.points[i].x, y: Math.round(ys[i] * 10000) / 10000 })) };
}

function axes(options) {
  const perEpoch = options.xTitle === "epoch";
  return {
    xaxis: { type: "numeric", title: { text: options.xTitle }, tickAmount: perEpoch ? "dataPoints" : 8, decimalsInFloat: 0 },
    yaxis: { title: { text: options.yTitle }, decimalsInFloat: options.percent ? 1 : 3 },
    markers: { size: perEpoch ? 4 : 0 },
  };
}

// options: { title, yTitle, xTitle, percent, smoothing, series: [{ name, smooth, points: [{ x, y }] }] }
export function create(element, options) {
  const apex = new ApexCharts(chartHost(element), {
    // injectStyleSheet off: App.razor links apexcharts.css once instead of a <style> per redraw.
    chart: { type: "line", height: 280, animations: { enabled: false }, zoom: { enabled: false }, injectStyleSheet: false,
      toolbar: { show: true, tools: { download: true, selection: false, zoom: false, zoomin: false, zoomout: false, pan: false, reset: false } } },
    title: { text: options.title },
    series: options.series.map(s => line(s, options.smoothing)),
    stroke: { width: 2 },
    legend: { show: true, position: "bottom" },
    noData: { text: "No points yet" },
    ...axes(options),
  });
  apex.render();
  const id = nextId++;
  charts.set(id, { element, apex });
  element.dataset.points = String(options.series.length ? options.series[0].points.length : 0);
  element.dataset.series = String(options.series.length);
  return id;
}

// Replaces the chart's title, axes and data.
export function update(id, options) {
  const chart = charts.get(id);
  if (!chart) return;
  chart.apex.updateOptions({ title: { text: options.title }, ...axes(options) }, false, false);
  chart.apex.updateSeries(options.series.map(s => line(s, options.smoothing)), false);
  chart.element.dataset.points = String(options.series.length ? options.series[0].points.length : 0);
  chart.element.dataset.series = String(options.series.length);
}

export function dispose(id) {
  const chart = charts.get(id);
  if (!chart) return;
  chart.apex.destroy();
  charts.delete(id);
}
