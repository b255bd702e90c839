// Measures what watching costs and how fast epochs reach the screen: opens N browser pages on the page of the run it
// is about to start, /runs/ID (Debian's Chromium via playwright-core; or on WATCH_PAGE, e.g. /runs), starts the run
// through the API, waits for it to finish, then prints the run's training images/s, the CPU cores the server and the
// browsers used meanwhile, each page's main-thread ms per second (Chromium's Performance
// domain) and, from the pages, the time from each epoch's server timestamp to the message
// arriving (deliveryMs) and to its point being drawn (latencyMs).
// Usage: node bench/watchers.js BASE_URL WATCHERS 'RUN_CONFIG_JSON'
const { chromium } = require("playwright-core");
const { startRun, runEnded } = require("./run-api");
const [baseUrl, watchersText, configJson] = process.argv.slice(2);
const watchers = Number(watchersText);

const { processesSeconds: cpuSeconds } = require("./proc-cpu");

const percentile = (values, p) => {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  // On the run's own page the pages open before the run exists, on the number it will get (this bench's server makes
  // no other runs), and show it once it is queued: opening ten busy pages one after another took minutes.
  const next = 1 + Math.max(0, ...(await (await fetch(`${baseUrl}/api/runs`)).json()).map(r => r.id));
  const pages = [];
  for (let i = 0; i < watchers; i++) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${baseUrl}${process.env.WATCH_PAGE ?? `/runs/${next}`}`);
    await page.locator("[data-testid=interactive], [data-testid=runs-grid]").first().waitFor({ timeout: 60000 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Performance.enable");
    page.metrics = async () => Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map(m => [m.name, m.value]));
    pages.push(page);
  }
  const before = { browsers: cpuSeconds("chromium"), server: cpuSeconds("Dashboard.Server.dll"), wall: Date.now() };
  const metricsBefore = await Promise.all(pages.map(p => p.metrics()));
  const created = await startRun(baseUrl, configJson);
  if (!process.env.WATCH_PAGE && created.id !== next) throw new Error(`the run is #${created.id}, the pages watch #${next}`);
  const run = await runEnded(baseUrl, created.id);
  const wall = (Date.now() - before.wall) / 1000;
  const metricsAfter = await Promise.all(pages.map(p => p.metrics()));
  // Per page, the renderer's main-thread seconds during the run, by kind (Chromium's Performance domain).
  const mainThread = Object.fromEntries(["TaskDuration", "ScriptDuration", "RecalcStyleDuration", "LayoutDuration"].map(k =>
    [k, pages.length ? Math.round(metricsAfter.reduce((sum, m, i) => sum + m[k] - metricsBefore[i][k], 0) / pages.length / wall * 1000) : 0]));
  const cores = { server: (cpuSeconds("Dashboard.Server.dll") - before.server) / wall, browsers: (cpuSeconds("chromium") - before.browsers) / wall };
  // Let the last epoch's point reach every page before reading the latencies.
  // Pages kept busy can be seconds behind; one still without the last point after 90 s is counted, not waited for.
  const behind = process.env.WATCH_PAGE ? 0 : (await Promise.all(pages.map(p => p.getByTestId("loss-chart")
    .and(p.locator(`[data-points="${run.epochs.length}"]`)).waitFor({ timeout: 90000 }).then(() => 0, () => 1)))).reduce((a, b) => a + b, 0);
  const latencies = (await Promise.all(pages.map(p => p.evaluate(() => window.dashboardChartLatencies ?? [])))).flat();
  const delivery = (await Promise.all(pages.map(p => p.evaluate(() => window.dashboardChartDelivery ?? [])))).flat();
  // The epochs that began (the previous one's end) once every page was open: opening ten run pages on one core takes
  // tens of seconds, and a run of a few epochs may be half over by then. Epoch 1 (warm-up) never counts.
  const watched = run.epochs.filter((e, i) => i > 0 && Date.parse(run.epochs[i - 1].completedAt) >= before.wall);
  if (!watched.length) throw new Error(`no epoch of run ${run.id} began after the pages opened: give the run more epochs`);
  const rates = watched.map(e => e.imagesPerSecond);
  const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
  console.log(JSON.stringify({
    watchers, run: run.id, status: run.status, epochs: run.epochs.length,
    imagesPerSecond: Math.round(mean), epochsWatched: watched.map(e => e.epoch), perEpoch: run.epochs.map(e => Math.round(e.imagesPerSecond)),
    pagesWithoutTheLastPoint: behind, latencyMs: { count: latencies.length, p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: Math.max(...latencies) },
    coresUsed: { server: Math.round(cores.server * 100) / 100, browsers: Math.round(cores.browsers * 100) / 100 },
    pageMainThreadMsPerSecond: mainThread,
    deliveryMs: { p50: percentile(delivery, 50), p95: percentile(delivery, 95), max: Math.max(...delivery) },
  }));
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
