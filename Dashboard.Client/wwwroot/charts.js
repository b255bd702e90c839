// The chart component's module: creates ApexCharts line charts and, for live charts,
// follows a run over the page's one @microsoft/signalr connection to /hubs/training,
// appending each epoch's point directly (live metrics never pass through the Blazor circuit).
// ApexCharts and signalR are the UMD builds loaded by App.razor from wwwroot/lib.
import { chartHost } from "./chart-host.js";

const charts = new Map();
let nextId = 1;
let connection = null;

function hub() {
  if (!connection) {
    const c = new signalR.HubConnectionBuilder().withUrl("/hubs/training").withAutomaticReconnect().build();
    c.on("RunHistory", run => charts.forEach(chart => chart.runId === run.id && showHistory(chart, run.epochs)));
    // A resumed run is queued again with the epochs it keeps: redraw from those.
    c.on("RunQueued", run => charts.forEach(chart => chart.runId === run.id && showHistory(chart, run.epochs)));
    c.on("EpochCompleted", message => charts.forEach(chart => chart.runId === message.runId && appendEpoch(chart, message.metrics)));
    // The charts need only history and epochs; the other messages are ignored (and not warned about).
    ["RunStarted", "BatchProgress", "HealthSampled", "HealthAlert", "RunCompleted", "RunFailed", "RunCancelled"].forEach(m => c.on(m, () => {}));
    // After a reconnect, history is sent again; points already drawn are skipped by epoch.
    c.onreconnected(() => new Set([...charts.values()].map(ch => ch.runId).filter(id => id != null)).forEach(id => c.invoke("FollowRun", id)));
    connection = { connection: c, started: c.start() };
  }
  return connection;
}

function percent(value) { return value == null ? null : Math.round(value * 10000) / 100; }

function pointOf(chart, metrics, key) {
  const value = metrics[key];
  return value == null ? null : { x: metrics.epoch, y: chart.percent ? percent(value) : Math.round(value * 10000) / 10000 };
}

function showHistory(chart, epochs) {
  chart.lastEpoch = epochs.length ? epochs[epochs.length - 1].epoch : 0;
  chart.points = epochs.length;
  chart.apex.updateSeries(chart.metrics.map((m, i) => ({
    name: chart.names[i],
    data: epochs.map(e => pointOf(chart, e, m)).filter(p => p),
  })), false);
  chart.element.dataset.points = String(chart.points);
}

function appendEpoch(chart, metrics) {
  if (metrics.epoch <= chart.lastEpoch) return;
  // Epoch end (server clock) to message here and to point in the chart's SVG, for the README's latency figures.
  const completedAt = Date.parse(metrics.completedAt);
  (window.dashboardChartDelivery ??= []).push(Date.now() - completedAt);
  chart.lastEpoch = metrics.epoch;
  chart.points += 1;
  chart.apex.appendData(chart.metrics.map(m => ({ data: [pointOf(chart, metrics, m)].filter(p => p) })), false);
  chart.element.dataset.points = String(chart.points);
  (window.dashboardChartLatencies ??= []).push(Date.now() - completedAt);
}

// options: { title, yTitle, percent, series: [{ name, metric?, points: [{ x, y }] }] }
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
  charts.set(id, {
    element, apex, percent: options.percent, runId: null, lastEpoch: 0,
    points: options.series.length ? options.series[0].points.length : 0,
    metrics: options.series.map(s => s.metric), names: options.series.map(s => s.name),
  });
  element.dataset.points = String(charts.get(id).points);
  return id;
}

// Replaces the data of a static chart (e.g. runs overlaid on the Runs page).
export function update(id, options) {
  const chart = charts.get(id);
  if (!chart) return;
  chart.metrics = options.series.map(s => s.metric);
  chart.names = options.series.map(s => s.name);
  chart.apex.updateSeries(options.series.map(s => ({ name: s.name, data: s.points })), false);
}

// Follows one run live: its history first, then each epoch as it completes.
export async function follow(id, runId) {
  const chart = charts.get(id);
  if (!chart) return;
  chart.runId = runId;
  chart.lastEpoch = 0;
  const { connection: c, started } = hub();
  await started;
  await c.invoke("FollowRun", runId);
}

export function dispose(id) {
  const chart = charts.get(id);
  if (!chart) return;
  chart.apex.destroy();
  charts.delete(id);
}
