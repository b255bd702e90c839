// Charts whose whole ApexCharts options are built in .NET (the health heatmaps and histograms): create, replace the
// options, dispose. Animations, the toolbar and the injected stylesheet are off as in the other charts.
import { chartHost, drawWhenSeen, forget, redrawInterval } from "./chart-host.js";

const charts = new Map();
let nextId = 1;

// A live change (deferred) is drawn at most every 10 s, or less often (every 60 s at most) when drawing would take
// more than 0.5 % of the time; the latest options then; any other change at once. Redrawing the run page's six health
// heatmaps at each live sample (about one a second) took 200 ms a second of a watching page's main thread
// (bench/page-profile.js). Either waits while the chart is out of view (chart-host.js).
const costs = new Map();
const lastDrawn = new Map();
const pending = new Map();
const elements = new Map();

function withDefaults(options) {
  return { ...options, chart: { animations: { enabled: false }, toolbar: { show: false }, zoom: { enabled: false }, injectStyleSheet: false, ...options.chart } };
}

export function create(element, options) {
  const apex = new ApexCharts(chartHost(element), withDefaults(options));
  apex.render();
  const id = nextId++;
  charts.set(id, apex);
  elements.set(id, element);
  lastDrawn.set(id, performance.now());
  element.dataset.series = String(options.series.length);
  return id;
}

// A live change (deferred) waits for the chart's interval; any other change is drawn at once.
export function update(id, element, options, deferred = false) {
  clearTimeout(pending.get(id));
  pending.delete(id);
  const wait = deferred ? (lastDrawn.get(id) ?? -Infinity) + redrawInterval(costs.get(id) ?? 0, 10000, 60000) - performance.now() : 0;
  if (wait > 0) {
    pending.set(id, setTimeout(() => { pending.delete(id); draw(id, element, options); }, wait));
  } else {
    draw(id, element, options);
  }
}

function draw(id, element, options) {
  drawWhenSeen(element, () => drawNow(id, element, options));
}

function drawNow(id, element, options) {
  const apex = charts.get(id);
  if (!apex) return;
  const began = performance.now();
  lastDrawn.set(id, began);
  Promise.resolve(apex.updateOptions(withDefaults(options), true, false)).finally(() => costs.set(id, performance.now() - began));
  element.dataset.series = String(options.series.length);
}

export function dispose(id) {
  clearTimeout(pending.get(id));
  pending.delete(id);
  lastDrawn.delete(id);
  costs.delete(id);
  charts.get(id)?.destroy();
  charts.delete(id);
  const element = elements.get(id);
  if (element) forget(element);
  elements.delete(id);
}
