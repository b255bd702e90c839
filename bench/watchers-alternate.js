// What watching costs, paired within one run so that the machine's drift (tens of percent over minutes on a shared
// VM) cancels: starts a run through the API and, epoch by epoch, has WATCHERS browser pages (Debian's Chromium via
// playwright-core) on the run's page /runs/ID during even epochs and on about:blank during odd ones (epoch 1 is the
// warm-up). Prints each watched epoch's images/s against the mean of its unwatched neighbours, and the mean ratio.
// A page (re)opened at an epoch's start loads during that epoch, which counts against watching.
// CONTROL_LOAD=0.75 (with WATCHERS 0) is the control: no page, and during the even epochs a loop that keeps this
// process's core busy that fraction of the time, i.e. the pages' load on the neighbour core without their server work.
// Usage: node bench/watchers-alternate.js BASE_URL WATCHERS 'RUN_CONFIG_JSON'   (RUN_CONFIG with 7 epochs or more)
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
  let done = 0;
  const state = await runEnded(baseUrl, run.id, 250, async training => {
    if (training.epochs.length !== done && training.epochs.length >= 1) {
      done = training.epochs.length;
      const watch = (done + 1) % 2 === 0; // the epoch now starting
      await Promise.all(pages.map(p => p.goto(watch ? `${baseUrl}/runs/${run.id}` : "about:blank")));
      if (load > 0) {
        busy?.kill();
        busy = watch ? spawn(process.execPath, ["-e", busyLoop], { stdio: "ignore" }) : null;
      }
    }
  });
  busy?.kill();
  const rate = e => state.epochs[e - 1]?.imagesPerSecond;
  const pairs = [];
  for (let e = 2; e <= state.epochs.length; e += 2) {
    const neighbours = [e - 1, e + 1].filter(n => n >= 3 && n <= state.epochs.length).map(rate);
    if (!neighbours.length) continue;
    const unwatched = neighbours.reduce((a, b) => a + b, 0) / neighbours.length;
    pairs.push({ epoch: e, watched: Math.round(rate(e)), unwatched: Math.round(unwatched), change: Math.round((rate(e) / unwatched - 1) * 1000) / 10 });
  }
  const mean = pairs.reduce((sum, p) => sum + p.change, 0) / pairs.length;
  console.log(JSON.stringify({
    watchers: pages.length, controlLoad: load, run: run.id, status: state.status, perEpoch: state.epochs.map(e => Math.round(e.imagesPerSecond)),
    pairs, meanChangePercent: Math.round(mean * 10) / 10,
  }));
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
