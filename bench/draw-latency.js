// Draws digits on /draw and reads, from the page, the time from each pen-up to its prediction
// and 28x28 preview being drawn (draw.js records it in window.dashboardPredictLatencies).
// Usage: node bench/draw-latency.js BASE_URL STROKES
const { chromium } = require("playwright-core");
const { startRun, runEnded } = require("./run-api");
const [baseUrl, strokesText] = process.argv.slice(2);
const strokes = Number(strokesText);

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

(async () => {
  const run = await startRun(baseUrl, JSON.stringify({ model: "cnn-bn", epochs: 1, trainLimit: 15000, device: "cpu" }));
  const ended = await runEnded(baseUrl, run.id, 500);
  if (ended.status !== "Completed") throw new Error(`run ended ${ended.status}`);
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${baseUrl}/draw`);
  await page.getByTestId("interactive").waitFor({ timeout: 60000 });
  await page.locator("[data-testid=draw-canvas][data-ready=true]").waitFor();
  const box = await page.getByTestId("draw-canvas").boundingBox();
  for (let i = 0; i < strokes; i++) {
    await page.getByTestId("clear").click();
    await page.getByTestId("draw-hint").waitFor();
    const x = 90 + (i % 5) * 25;
    await page.mouse.move(box.x + x, box.y + 50);
    await page.mouse.down();
    for (let s = 1; s <= 12; s++) await page.mouse.move(box.x + x + s * 2, box.y + 50 + s * 15);
    await page.mouse.up();
    await page.waitForFunction(n => (window.dashboardPredictLatencies ?? []).length >= n, process.env.EMBEDDING === "1" && i > 0 ? i : i + 1);
    if (i === 0 && process.env.EMBEDDING === "1") {
      // With the embedding map open (its 2,000 points in the page), from the second stroke on.
      await page.getByTestId("show-embedding").click();
      await page.locator("[data-testid=embedding-chart][data-points]").waitFor({ timeout: 60000 });
      await page.evaluate(() => { window.dashboardPredictLatencies = []; });
    }
  }
  const latencies = await page.evaluate(() => window.dashboardPredictLatencies);
  // The attributions' server time, method by method, for a drawn "1" (30 requests).
  const pixels = Array.from({ length: 784 }, (_, i) => (i % 28 === 14 && i > 4 * 28 && i < 24 * 28 ? 1 : 0));
  const times = {};
  const completeness = [];
  for (let i = 0; i < 30; i++) {
    const explanation = await (await fetch(`${baseUrl}/api/runs/${run.id}/explain`, {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ pixels, target: 1 }),
    })).json();
    for (const map of explanation.maps) (times[map.method] ??= []).push(map.milliseconds);
    completeness.push(explanation.maps.find(m => m.method === "integrated-gradients").completenessError);
  }
  console.log(JSON.stringify({
    strokes: latencies.length,
    penUpToShownMs: { p50: percentile(latencies, 50).toFixed(1), p95: percentile(latencies, 95).toFixed(1), p99: percentile(latencies, 99).toFixed(1), max: Math.max(...latencies).toFixed(1) },
    attributionServerMs: Object.fromEntries(Object.entries(times).map(([m, t]) => [m, { p50: percentile(t, 50).toFixed(1), p95: percentile(t, 95).toFixed(1) }])),
    integratedGradientsCompletenessError: { max: Math.max(...completeness) },
  }));
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
