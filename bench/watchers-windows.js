// What watching costs, paired over windows of seconds so that the VM's drift (which moves an epoch's speed by tens of
// percent within minutes here) cancels better than epoch pairs (bench/watchers-alternate.js) can. WATCHERS browser
// pages (Debian's Chromium via playwright-core) open the dashboard's Datasets page first (no live data on it); the
// run starts; from its second epoch on the pages alternate, inside their own circuits (Blazor.navigateTo, no reload),
// between the run's page, following it live, and the Datasets page. Each state is held WINDOW_SECONDS after a settle
// of SETTLE_SECONDS (the page's history load, the circuit's teardown). A window's images/s comes from the run's own
// stored steps (GET /api/runs/ID/steps): batches trained over training seconds, within epochs only (an epoch's end
// and its validation are left out). Prints each watched window against the mean of the unwatched windows either side
// of it, and the mean change with its standard error.
// VERBOSE=1 also prints how long the pages took to switch.
// Usage: node bench/watchers-windows.js BASE_URL WATCHERS 'RUN_CONFIG_JSON'
const { chromium } = require("playwright-core");
const { startRun, runEnded } = require("./run-api");
const [baseUrl, watchersText, configJson] = process.argv.slice(2);
const windowMs = 1000 * Number(process.env.WINDOW_SECONDS ?? 8);
const settleMs = 1000 * Number(process.env.SETTLE_SECONDS ?? 1.5);
const sleep = ms => new Promise(r => setTimeout(r, ms));
const getJson = async path => (await fetch(`${baseUrl}${path}`)).json();

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const pages = await Promise.all(Array.from({ length: Number(watchersText) }, async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${baseUrl}/datasets`);
    await page.locator("[data-testid=interactive]").waitFor({ timeout: 300000 });
    return page;
  }));
  const navigate = (path, ready) => Promise.all(pages.map(async p => {
    await p.evaluate(to => window.Blazor.navigateTo(to), path);
    await p.locator(ready).waitFor({ timeout: 300000 });
  }));
  const run = await startRun(baseUrl, configJson);
  const lastStep = async () => (await getJson(`/api/runs/${run.id}/steps?points=2`)).steps.at(-1);
  const read = () => getJson(`/api/runs/${run.id}`);
  const isActive = r => ["Queued", "Running"].includes(r.status);
  const active = async () => isActive(await read());
  for (let r = await read(); r.epochs.length < 1 && isActive(r); r = await read()) await sleep(250);

  const windows = [];
  for (let watched = true; await active(); watched = !watched) {
    const began = Date.now();
    await (watched
      ? navigate(`/runs/${run.id}`, `[data-testid=loss-chart][data-following="${run.id}"]`)
      : navigate("/datasets", "[data-testid=import-panel]"));
    if (process.env.VERBOSE) console.error(`${watched ? "watched" : "unwatched"}: the pages took ${Date.now() - began} ms`);
    await sleep(settleMs);
    const from = await lastStep();
    await sleep(windowMs);
    const to = await lastStep();
    if (await active()) windows.push({ kind: watched ? "watched" : "unwatched", from: from.step, to: to.step });
  }
  const final = await runEnded(baseUrl, run.id);
  const steps = (await getJson(`/api/runs/${run.id}/steps?points=1000000`)).steps;
  const imagesPerBatch = final.started.trainImages / final.started.batchesPerEpoch;
  const bySteps = new Map(steps.map((s, i) => [s.step, i]));
  // Batches and training seconds between consecutive stored steps of the same epoch, over the window.
  const rate = w => {
    let batches = 0, seconds = 0;
    for (let i = bySteps.get(w.from) + 1; i <= bySteps.get(w.to); i++) {
      if (steps[i].epoch !== steps[i - 1].epoch) continue;
      batches += steps[i].step - steps[i - 1].step;
      seconds += steps[i].seconds - steps[i - 1].seconds;
    }
    return seconds > 0 ? batches * imagesPerBatch / seconds : null;
  };
  windows.forEach(w => { w.imagesPerSecond = rate(w); });
  const mean = values => values.reduce((a, b) => a + b, 0) / values.length;
  const pairs = windows.flatMap((w, i) => {
    const neighbours = [windows[i - 1], windows[i + 1]].filter(n => n?.kind === "unwatched" && n.imagesPerSecond);
    if (w.kind !== "watched" || !w.imagesPerSecond || !neighbours.length) return [];
    return [100 * (w.imagesPerSecond / mean(neighbours.map(n => n.imagesPerSecond)) - 1)];
  });
  const m = pairs.length ? mean(pairs) : null;
  const se = pairs.length > 1 ? Math.sqrt(pairs.reduce((a, p) => a + (p - m) ** 2, 0) / (pairs.length - 1) / pairs.length) : null;
  const sorted = [...pairs].sort((a, b) => a - b);
  const round = x => x === null ? null : Math.round(x * 10) / 10;
  console.log(JSON.stringify({
    watchers: pages.length, run: run.id, status: final.status, windowSeconds: windowMs / 1000,
    perEpoch: final.epochs.map(e => Math.round(e.imagesPerSecond)),
    windows: windows.map(w => `${w.kind[0]}:${Math.round(w.imagesPerSecond ?? 0)}`).join(" "),
    pairs: pairs.map(round), meanChangePercent: round(m), standardError: round(se),
    medianChangePercent: pairs.length ? round(sorted[Math.floor((sorted.length - 1) / 2)] / 2 + sorted[Math.ceil((sorted.length - 1) / 2)] / 2) : null,
  }));
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
