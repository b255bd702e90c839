// Charts whose whole ApexCharts options are built in .NET (the health heatmaps and histograms): create, replace the
// options, dispose. Animations, the toolbar and the injected stylesheet are off as in the other charts.
import { chartHost } from "./chart-host.js";

const charts = new Map();
let nextId = 1;

function withDefaults(options) {
  return { ...options, chart: { animations: { enabled: false }, toolbar: { show: false }, zoom: { enabled: false }, injectStyleSheet: false, ...options.chart } };
}

export function create(element, options) {
  const apex = new ApexCharts(chartHost(element), withDefaults(options));
  apex.render();
  const id = nextId++;
  charts.set(id, apex);
  element.dataset.series = String(options.series.length);
  return id;
}

export function update(id, element, options) {
  charts.get(id)?.updateOptions(withDefaults(options), true, false);
  element.dataset.series = String(options.series.length);
}

export function dispose(id) {
  charts.get(id)?.destroy();
  charts.delete(id);
}
