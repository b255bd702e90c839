// What watching costs, paired within one run so that the machine's drift (tens of percent over minutes on a shared
// VM) cancels: starts a run through the API and cycles WATCHERS browser pages (Debian's Chromium via playwright-core)
// through its epochs, each epoch starting as one of four kinds: "loading" (the pages open the run's page /runs/ID,
// until every page follows the run: ten pages loading at once take one or two epochs here), "watched" (the first epoch
// to start once they do), "closing" (the pages go to about:blank: the server ends their circuits) and "unwatched";
// then loading again. Only watched and unwatched epochs are compared. Epoch 1, the warm-up, has no page. Prints each watched epoch's images/s against the mean of the
// nearest unwatched epochs before and after it, and the mean change.
// CONTROL_LOAD=0.75 (with WATCHERS 0) is the control: no page, and during the watched epochs a loop that keeps this
// process's core busy that fraction of the time, i.e. the pages' load on the neighbour core without their server work.
// Usage: node bench/watchers-alternate.js BASE_URL WATCHERS 'RUN_CONFIG_JSON'   (RUN_CONFIG with 12 epochs or more)
const { spawn } = require("child_process");
const { chromium } = require("playwright-core");
const { startRun, runEnded } = require("./run-api");
const [baseUrl, watchersText, configJson] = process.argv.slice(2);

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const pages = await Promise.all(Array.from({ length: Number(watchersText) }, async () => (await browser.newContext()).newPage()));
  const load = Number(process.env.CONTROL_LOAD ?? 0);
  // Busy `load` of every 20 ms, in a child process on this process's cores (the affinity is inherited).
  const busyLoop = `for (;;) { const end = Date.now() + ${20 * load}; while (Date.now() < end); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${20 * (1 - load)}); }`;
  let busy = null;
  const run = await startRun(baseUrl, configJson);
  const kinds = ["warm-up"]; // each epoch's kind, epoch 1 first
  let ready = false;
  const state = await runEnded(baseUrl, run.id, 250, async training => {
    if (training.epochs.length < 1 || kinds.length > training.epochs.length) return;
    const last = kinds[kinds.length - 1];
    const next = { watched: "closing", closing: "unwatched", unwatched: "loading", "warm-up": "loading" }[last] ?? (ready ? "watched" : "loading");
    kinds.push(next);
    if (next === "loading" && last !== "loading") {
      // Not awaited, so that the epochs keep being seen while the pages load.
      ready = false;
      Promise.all(pages.map(async p => {
        await p.goto(`${baseUrl}/runs/${run.id}`);
        await p.locator(`[data-testid=loss-chart][data-following="${run.id}"]`).waitFor({ timeout: 300000 });
      })).then(() => { ready = true; }, e => console.error(`the pages did not load: ${e.message}`));
    } else if (next === "watched" && load > 0) {
      busy = spawn(process.execPath, ["-e", busyLoop], { stdio: "ignore" });
    } else if (next === "closing") {
      busy?.kill();
      busy = null;
      await Promise.all(pages.map(p => p.goto("about:blank")));
    }
  });
  busy?.kill();
  const rate = e => state.epochs[e - 1]?.imagesPerSecond;
  const mean = values => values.reduce((a, b) => a + b, 0) / values.length;
  const pairs = [];
  kinds.forEach((kind, i) => {
    if (kind !== "watched") return;
    const before = kinds.lastIndexOf("unwatched", i);
    const after = kinds.indexOf("unwatched", i);
    const neighbours = [before, after].filter(n => n >= 0 && n < state.epochs.length).map(n => n + 1);
    if (i >= state.epochs.length || !neighbours.length) return;
    const unwatched = mean(neighbours.map(rate));
    pairs.push({ epoch: i + 1, watched: Math.round(rate(i + 1)), unwatched: Math.round(unwatched), neighbours, change: Math.round((rate(i + 1) / unwatched - 1) * 1000) / 10 });
  });
  console.log(JSON.stringify({
    watchers: pages.length, controlLoad: load, run: run.id, status: state.status, perEpoch: state.epochs.map(e => Math.round(e.imagesPerSecond)),
    kinds: kinds.slice(0, state.epochs.length), pairs, meanChangePercent: pairs.length ? Math.round(mean(pairs.map(p => p.change)) * 10) / 10 : null,
  }));
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
