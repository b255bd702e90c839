// Where a watching page's main thread goes: starts a run through the API, opens WATCHERS pages on its page
// (Debian's Chromium via playwright-core), records the first page's JavaScript CPU profile (Chromium's Profiler
// domain) until the run ends, and prints the busiest functions by self time, grouped by script, in ms per second.
// Usage: node bench/page-profile.js BASE_URL WATCHERS 'RUN_CONFIG_JSON'
const { chromium } = require("playwright-core");
const { startRun, runEnded } = require("./run-api");
const [baseUrl, watchersText, configJson] = process.argv.slice(2);

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
  const run = await startRun(baseUrl, configJson);
  const pages = [];
  for (let i = 0; i < Number(watchersText); i++) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${baseUrl}/runs/${run.id}`);
    await page.getByTestId("interactive").waitFor({ timeout: 60000 });
    pages.push(page);
  }
  const cdp = await pages[0].context().newCDPSession(pages[0]);
  await cdp.send("Performance.enable");
  const kinds = ["TaskDuration", "ScriptDuration", "RecalcStyleDuration", "LayoutDuration"];
  const metrics = async () => Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.filter(m => kinds.includes(m.name)).map(m => [m.name, m.value]));
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
  const began = Date.now();
  const metricsBefore = await metrics();
  await cdp.send("Profiler.start");
  await runEnded(baseUrl, run.id, 500);
  const { profile } = await cdp.send("Profiler.stop");
  const seconds = (Date.now() - began) / 1000;
  const metricsAfter = await metrics();
  const mainThread = kinds.map(k => `${k} ${((metricsAfter[k] - metricsBefore[k]) * 1000 / seconds).toFixed(0)}`).join(", ");
  // Self time per sampled node: the sampling interval between consecutive samples.
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0) / 1000));
  const rows = new Map();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || "(anonymous)"} ${url.split("/").pop()}:${lineNumber + 1}`;
    rows.set(key, (rows.get(key) ?? 0) + (self.get(node.id) ?? 0));
  }
  const byScript = new Map();
  for (const node of profile.nodes) {
    const script = node.callFrame.url.split("/").pop() || node.callFrame.functionName;
    byScript.set(script, (byScript.get(script) ?? 0) + (self.get(node.id) ?? 0));
  }
  // Each sample charged to the nearest of the project's own scripts on its stack (what asked ApexCharts to draw).
  const parent = new Map();
  profile.nodes.forEach(n => (n.children ?? []).forEach(c => parent.set(c, n)));
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const ours = new Map();
  for (const [id, ms] of self) {
    let node = byId.get(id);
    while (node && !/_content\/Dashboard\.Client\/(?!lib\/)/.test(node.callFrame.url)) node = parent.get(node.id);
    const key = node ? `${node.callFrame.functionName || "(anonymous)"} ${node.callFrame.url.split("/").pop()}:${node.callFrame.lineNumber + 1}` : "(not under the project's scripts)";
    ours.set(key, (ours.get(key) ?? 0) + ms);
  }
  const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, ms]) => `${(ms / seconds).toFixed(1).padStart(7)} ms/s  ${k}`);
  console.log(`run ${run.id}, ${seconds.toFixed(0)} s profiled, ${pages.length} pages; page 1's main thread, ms/s: ${mainThread}`);
  console.log("by script:\n" + top(byScript, 15).join("\n"));
  console.log("by function:\n" + top(rows, 20).join("\n"));
  console.log("by the project's function that led there:\n" + top(ours, 15).join("\n"));
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
