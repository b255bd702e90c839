// What one live epoch costs the browser: on a dashboard page (default /train), times
// ApexCharts appendData for the dashboard's line chart drawn in the document and drawn in a
// shadow root (chart-host.js, as the dashboard does), 10 epochs each, alternating, ROUNDS times.
// Usage: node bench/chart-cost.js BASE_URL [PAGE]
const { chromium } = require("playwright-core");
const [baseUrl, path = "/train"] = process.argv.slice(2);
const rounds = Number(process.env.ROUNDS ?? 3);
const median = v => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
  const page = await (await browser.newContext()).newPage();
  await page.goto(baseUrl + path);
  await page.locator("[data-testid=interactive]").first().waitFor({ timeout: 60000 });
  const results = { document: [], shadow: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of Object.keys(results)) {
      const times = await page.evaluate(async mode => {
        const { chartHost } = await import("/_content/Dashboard.Client/chart-host.js");
        const host = document.createElement("div");
        document.body.appendChild(host);
        const apex = new ApexCharts(mode === "shadow" ? chartHost(host) : host, {
          chart: { type: "line", height: 280, animations: { enabled: false }, toolbar: { show: false }, zoom: { enabled: false }, injectStyleSheet: false },
          title: { text: "Loss" }, series: [{ name: "train", data: [] }, { name: "validation", data: [] }],
          xaxis: { type: "numeric", title: { text: "epoch" }, tickAmount: "dataPoints", decimalsInFloat: 0 },
          yaxis: { title: { text: "loss" }, decimalsInFloat: 3 }, stroke: { width: 2 }, markers: { size: 4 }, legend: { show: true, position: "bottom" },
        });
        await apex.render();
        const times = [];
        for (let epoch = 1; epoch <= 10; epoch++) {
          const start = performance.now();
          apex.appendData([{ data: [{ x: epoch, y: 1 / epoch }] }, { data: [{ x: epoch, y: 1.1 / epoch }] }], false);
          times.push(performance.now() - start);
        }
        apex.destroy();
        host.remove();
        return times;
      }, mode);
      results[mode].push(...times);
    }
  }
  console.log(JSON.stringify(Object.fromEntries(Object.entries(results).map(([mode, t]) =>
    [mode, { appends: t.length, medianMs: Math.round(median(t)), maxMs: Math.round(Math.max(...t)) }]))));
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
