// The learning-rate finder's chart: each seed's raw and smoothed loss against the rate on a log axis (ApexCharts has
// no logarithmic x axis, so x is log10(rate) and the labels show the rate), with the suggestions as vertical lines.
import { chartHost } from "./chart-host.js";

const label = x => `1e${x}`;

// data: { curves: [{ seed, rates, losses, smoothed }], suggestions: [{ name, rate }] }
function options(data) {
  const points = (rates, values) => rates.map((r, i) => ({ x: Math.log10(r), y: Math.round(values[i] * 10000) / 10000 }));
  const rates = data.curves.flatMap(c => c.rates);
  const [low, high] = rates.length ? [Math.floor(Math.log10(Math.min(...rates))), Math.ceil(Math.log10(Math.max(...rates)))] : [-7, 1];
  // The raw loss explodes at the end of a sweep; past twice the starting loss nothing is worth reading.
  const start = Math.max(...data.curves.map(c => c.smoothed.length ? c.smoothed[0] : 0), 0.1);
  return {
    chart: { type: "line", height: 300, animations: { enabled: false }, toolbar: { show: false }, zoom: { enabled: false }, injectStyleSheet: false },
    series: data.curves.flatMap(c => [
      { name: `seed ${c.seed} loss`, data: points(c.rates, c.losses) },
      { name: `seed ${c.seed} smoothed`, data: points(c.rates, c.smoothed) },
    ]),
    stroke: { width: data.curves.flatMap(() => [1, 3]) },
    xaxis: { type: "numeric", min: low, max: high, tickAmount: Math.max(1, high - low), title: { text: "learning rate (log scale)" },
      labels: { formatter: v => label(Math.round(Number(v))) } },
    yaxis: { min: 0, max: Math.ceil(2 * start * 10) / 10, title: { text: "training loss" }, decimalsInFloat: 2 },
    tooltip: { x: { formatter: v => `rate ${Math.pow(10, v).toExponential(2)}` } },
    annotations: {
      xaxis: data.suggestions.filter(s => s.rate != null).map((s, i) => ({
        x: Math.log10(s.rate), borderColor: "#775DD0", label: { text: s.name, orientation: "horizontal", offsetY: 22 * i },
      })),
    },
    legend: { show: true, position: "bottom" },
  };
}

const charts = new Map();
let nextId = 1;

export function create(element, data) {
  const apex = new ApexCharts(chartHost(element), options(data));
  apex.render();
  const id = nextId++;
  charts.set(id, apex);
  element.dataset.curves = String(data.curves.length);
  return id;
}

export function update(id, element, data) {
  charts.get(id)?.updateOptions(options(data), true, false);
  element.dataset.curves = String(data.curves.length);
}

export function dispose(id) {
  charts.get(id)?.destroy();
  charts.delete(id);
}
