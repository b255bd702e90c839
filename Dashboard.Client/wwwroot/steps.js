// The run page's step charts (StepChart.razor): the training loss or accuracy of every native training call, raw and
// faint, with TensorBoard's debiased exponential moving average over it, and the validation points on the same x axis
// (steps, epochs or training time). A run is followed on the page's one @microsoft/signalr connection: FollowRun first
// (live StepsAdded and EpochCompleted are held from then on), then its stored steps from GET /api/runs/{id}/steps
// (downsampled by the server); points already held are skipped by step, so nothing is missed or drawn twice.
// ApexCharts and signalR are the UMD builds loaded by App.razor from wwwroot/lib.
import { chartHost, drawWhenSeen, forget, redrawInterval } from "./chart-host.js";

const charts = new Map();
const runs = new Map();
let nextId = 1;
let connection = null;

// Points of a series drawn at most (the data held stays whole); ApexCharts draws every point it is given as SVG.
const drawnPoints = 500;

function hub() {
  if (!connection) {
    const c = new signalR.HubConnectionBuilder().withUrl("/hubs/training").withAutomaticReconnect().build();
    c.on("RunHistory", run => setRun(run));
    // A resumed run is queued again with the epochs it keeps: its later steps go too.
    c.on("RunQueued", run => setRun(run, true));
    c.on("RunStarted", run => setRun(run));
    c.on("EpochCompleted", message => appendEpoch(message.runId, message.metrics));
    c.on("StepsAdded", message => addSteps(message.runId, message.steps));
    // A run's end draws its last points at once.
    ["RunCompleted", "RunFailed", "RunCancelled"].forEach(m => c.on(m, run => setRun(run)));
    ["BatchProgress", "HealthSampled", "HealthAlert"].forEach(m => c.on(m, () => {}));
    // After a reconnect the history is fetched again; points already held are skipped.
    c.onreconnected(() => runs.forEach((_, id) => load(id)));
    connection = { connection: c, started: c.start() };
  }
  return connection;
}

function runData(runId) {
  if (!runs.has(runId)) runs.set(runId, { steps: [], epochs: [], batches: null });
  return runs.get(runId);
}

function setRun(run, resumed = false) {
  const data = runs.get(run.id);
  if (!data) return;
  data.batches = run.started?.batchesPerEpoch ?? data.batches;
  data.epochs = run.epochs ?? data.epochs;
  if (resumed) data.steps = data.steps.filter(s => s.epoch <= data.epochs.length);
  redraw(run.id, true);
}

function appendEpoch(runId, metrics) {
  const data = runs.get(runId);
  if (!data) return;
  const last = data.epochs.length ? data.epochs[data.epochs.length - 1].epoch : 0;
  if (metrics.epoch <= last) return;
  // Epoch end (server clock) to message here and to point in the chart, for the latency figures in docs/performance.md.
  const completedAt = Date.parse(metrics.completedAt);
  (window.dashboardChartDelivery ??= []).push(Date.now() - completedAt);
  data.epochs.push(metrics);
  redraw(runId, true);
  (window.dashboardChartLatencies ??= []).push(Date.now() - completedAt);
}

function addSteps(runId, steps) {
  const data = runs.get(runId);
  if (!data || !steps.length) return;
  const held = data.steps;
  if (!held.length || steps[0].step > held[held.length - 1].step) {
    held.push(...steps);
  } else {
    const byStep = new Map(held.map(s => [s.step, s]));
    steps.forEach(s => byStep.set(s.step, s));
    data.steps = [...byStep.values()].sort((a, b) => a.step - b.step);
  }
  redraw(runId);
}

async function load(runId) {
  const response = await fetch(`api/runs/${runId}/steps`);
  if (response.ok) addSteps(runId, (await response.json()).steps);
}

// TensorBoard's smoothing: an exponential moving average, divided by 1 - weight^n so early points are not pulled to 0.
export function smooth(values, weight) {
  let last = 0;
  let n = 0;
  return values.map(v => {
    if (!Number.isFinite(v)) return v;
    n += 1;
    last = last * weight + (1 - weight) * v;
    return weight === 0 ? v : last / (1 - Math.pow(weight, n));
  });
}

// Largest-Triangle-Three-Buckets: the indices of at most `points` points that keep the line's shape (the first and
// last always). Written here: ApexCharts has no decimation (Dashboard.Shared's Downsampling.Lttb is the server's).
export function lttb(xs, ys, points) {
  const n = xs.length;
  if (n <= points || points < 3) return [...Array(n).keys()];
  const chosen = [0];
  const bucket = (n - 2) / (points - 2);
  let a = 0;
  for (let i = 0; i < points - 2; i++) {
    const nextStart = Math.floor((i + 1) * bucket) + 1;
    const nextEnd = Math.min(Math.floor((i + 2) * bucket) + 1, n);
    let mx = 0, my = 0;
    for (let j = nextStart; j < nextEnd; j++) { mx += xs[j]; my += ys[j]; }
    const count = Math.max(nextEnd - nextStart, 1);
    mx /= count; my /= count;
    let best = -1, pick = Math.floor(i * bucket) + 1;
    for (let j = Math.floor(i * bucket) + 1; j < Math.floor((i + 1) * bucket) + 1; j++) {
      const area = Math.abs((xs[a] - mx) * (ys[j] - ys[a]) - (xs[a] - xs[j]) * (my - ys[a]));
      if (area > best) { best = area; pick = j; }
    }
    chosen.push(pick);
    a = pick;
  }
  chosen.push(n - 1);
  return chosen;
}

const axisTitles = { steps: "step", epochs: "epoch", time: "training seconds" };

// The x of a step point and of an epoch's validation point, for the chart's axis.
function xOf(mode, data) {
  const ends = [];
  data.epochs.reduce((sum, e) => { ends.push(sum + e.seconds); return sum + e.seconds; }, 0);
  if (mode === "time") return { step: s => s.seconds, epoch: (e, i) => ends[i] };
  if (mode === "epochs") {
    const perEpoch = data.batches ?? Math.max(1, ...data.steps.filter(s => s.epoch === 1).map(s => s.step));
    return { step: s => s.step / perEpoch, epoch: e => e.epoch };
  }
  return { step: s => s.step, epoch: e => (data.batches == null ? null : e.epoch * data.batches) };
}

function round(v) { return Math.round(v * 10000) / 10000; }

// Drawn when the chart is in view (chart-host.js).
function draw(chart) {
  chart.timer = null;
  drawWhenSeen(chart.element, () => drawNow(chart));
}

function drawNow(chart) {
  const data = runs.get(chart.runId);
  if (!data) return;
  const began = performance.now();
  const { x: mode, log, smoothing } = chart.view;
  const scale = chart.percent ? 100 : 1;
  const at = xOf(mode, data);
  const usable = v => Number.isFinite(v) && (!log || v > 0);
  const steps = data.steps.filter(s => usable(s[chart.metric] * scale));
  const xs = steps.map(at.step);
  const ys = steps.map(s => s[chart.metric] * scale);
  const smoothed = smooth(ys, smoothing);
  const keep = lttb(xs, ys, drawnPoints);
  const validation = data.epochs
    .map((e, i) => ({ x: at.epoch(e, i), y: e[chart.validationKey] == null ? null : e[chart.validationKey] * scale }))
    .filter(p => p.x != null && usable(p.y));
  // The cost counts ApexCharts' drawing until its promise settles, not only this call.
  const drawn = chart.apex.updateSeries([
    { name: "train", data: keep.map(i => ({ x: round(xs[i]), y: round(ys[i]) })) },
    { name: "train (smoothed)", data: keep.map(i => ({ x: round(xs[i]), y: round(smoothed[i]) })) },
    { name: "validation", data: validation.map(p => ({ x: round(p.x), y: round(p.y) })) },
  ], false);
  chart.element.dataset.points = String(data.epochs.length);
  chart.element.dataset.steps = String(data.steps.length);
  chart.element.dataset.smoothing = String(smoothing);
  Promise.resolve(drawn).finally(() => { chart.cost = performance.now() - began; });
}

// Live points are drawn every 2 s, or less often (every 10 s at most) when drawing would take more than 0.5 % of the
// time (1 % for the page's two charts): a draw of 500 points a line costs about 35 ms here, and ten pages on one core
// drawing four times a second kept its main thread busy. A chart's first points, a run's state and its epochs are
// drawn at once.
function redraw(runId, now = false) {
  charts.forEach(chart => {
    if (chart.runId !== runId) return;
    if (now || chart.element.dataset.steps === "0") { clearTimeout(chart.timer); draw(chart); }
    else chart.timer ??= setTimeout(() => draw(chart), redrawInterval(chart.cost, 2000, 10000));
  });
}

function axes(chart) {
  return {
    xaxis: { type: "numeric", title: { text: axisTitles[chart.view.x] }, decimalsInFloat: chart.view.x === "steps" ? 0 : 1, tickAmount: 8 },
    yaxis: { title: { text: chart.yTitle }, decimalsInFloat: chart.percent ? 1 : 3, logarithmic: chart.view.log, forceNiceScale: !chart.view.log },
  };
}

// options: { title, yTitle, metric ("loss" | "accuracy"), validationKey, percent, view: { x, log, smoothing } }
export function create(element, options) {
  const chart = {
    element, runId: null, timer: null, cost: 0, metric: options.metric, validationKey: options.validationKey,
    percent: options.percent, yTitle: options.yTitle, view: options.view,
  };
  chart.apex = new ApexCharts(chartHost(element), {
    // injectStyleSheet off: App.razor links apexcharts.css once instead of a <style> per redraw.
    chart: { type: "line", height: 280, animations: { enabled: false }, zoom: { enabled: false }, injectStyleSheet: false,
      toolbar: { show: true, tools: { download: true, selection: false, zoom: false, zoomin: false, zoomout: false, pan: false, reset: false } } },
    title: { text: options.title },
    series: [{ name: "train", data: [] }, { name: "train (smoothed)", data: [] }, { name: "validation", data: [] }],
    colors: ["rgba(30, 136, 229, 0.3)", "#1e88e5", "#00a86b"],
    stroke: { width: [1, 2, 2] },
    markers: { size: [0, 0, 4] },
    tooltip: { shared: false },
    legend: { show: true, position: "bottom" },
    noData: { text: "No steps yet" },
    ...axes(chart),
  });
  chart.apex.render();
  const id = nextId++;
  charts.set(id, chart);
  element.dataset.points = "0";
  element.dataset.steps = "0";
  return id;
}

// Follows one run live: its stored steps and epochs first, then each new point.
export async function follow(id, runId) {
  const chart = charts.get(id);
  if (!chart) return;
  chart.runId = runId;
  const known = runs.has(runId);
  runData(runId);
  const { connection: c, started } = hub();
  await started;
  if (!known) {
    await c.invoke("FollowRun", runId);
    await load(runId);
  }
  redraw(runId, true);
  // From here on every point of the run reaches this chart.
  chart.element.dataset.following = String(runId);
}


// The x axis ("steps", "epochs" or "time"), a log y axis and the smoothing weight in [0, 1).
export function view(id, view) {
  const chart = charts.get(id);
  if (!chart) return;
  const axisChanged = view.x !== chart.view.x || view.log !== chart.view.log;
  chart.view = view;
  if (axisChanged) chart.apex.updateOptions(axes(chart), false, false);
  draw(chart);
}

// The points the run of the chart drawn in `element` holds, as [step, value] (for tests comparing pages).
export function held(element) {
  const chart = [...charts.values()].find(c => c.element === element);
  const data = chart && runs.get(chart.runId);
  return data ? data.steps.map(s => [s.step, s[chart.metric]]) : [];
}

export function dispose(id) {
  const chart = charts.get(id);
  if (!chart) return;
  clearTimeout(chart.timer);
  forget(chart.element);
  chart.apex.destroy();
  charts.delete(id);
  // The run stays followed and its points held: its page re-creates its charts as the run's state changes, and an
  // unfollow racing the new chart's follow would leave the page without live points.
}
