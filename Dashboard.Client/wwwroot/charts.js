// The line chart component's module (LineChart.razor): static ApexCharts line charts whose data comes from .NET,
// e.g. runs overlaid on the Runs page. A run's live charts are steps.js's.
// ApexCharts is the UMD build loaded by App.razor from wwwroot/lib.
import { chartHost } from "./chart-host.js";

const charts = new Map();
let nextId = 1;

// options: { title, yTitle, percent, series: [{ name, points: [{ x, y }] }] }
export function create(element, options) {
  const apex = new ApexCharts(chartHost(element), {
    // injectStyleSheet off: App.razor links apexcharts.css once instead of a <style> per redraw.
    chart: { type: "line", height: 280, animations: { enabled: false }, toolbar: { show: false }, zoom: { enabled: false }, injectStyleSheet: false },
    title: { text: options.title },
    series: options.series.map(s => ({ name: s.name, data: s.points })),
    xaxis: { type: "numeric", title: { text: "epoch" }, tickAmount: "dataPoints", decimalsInFloat: 0 },
    yaxis: { title: { text: options.yTitle }, decimalsInFloat: options.percent ? 1 : 3 },
    stroke: { width: 2 },
    markers: { size: 4 },
    legend: { show: true, position: "bottom" },
    noData: { text: "No epochs yet" },
  });
  apex.render();
  const id = nextId++;
  charts.set(id, { element, apex });
  element.dataset.points = String(options.series.length ? options.series[0].points.length : 0);
  return id;
}

// Replaces the chart's data.
export function update(id, options) {
  const chart = charts.get(id);
  if (!chart) return;
  chart.apex.updateSeries(options.series.map(s => ({ name: s.name, data: s.points })), false);
}

export function dispose(id) {
  const chart = charts.get(id);
  if (!chart) return;
  chart.apex.destroy();
  charts.delete(id);
}
