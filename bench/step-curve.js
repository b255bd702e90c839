// Time from Start (the Train page's defaults: cnn-bn on MNIST) to the first training-loss point drawn on the run's
// page, in Debian's Chromium; then stops the run. Usage: node bench/step-curve.js BASE_URL [TRIES]
const { chromium } = require("playwright-core");
const [baseUrl, triesText] = process.argv.slice(2);

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
  const times = [];
  for (let i = 0; i < Number(triesText ?? 3); i++) {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    await page.goto(baseUrl + "/train");
    await page.getByTestId("interactive").waitFor({ timeout: 60000 });
    const start = Date.now();
    await page.getByTestId("start").click();
    await page.waitForURL(/\/runs\/\d+$/, { timeout: 30000 });
    await page.locator("[data-testid=loss-chart]:not([data-steps='0'])[data-steps]").waitFor({ timeout: 30000 });
    times.push((Date.now() - start) / 1000);
    const id = page.url().split("/").pop();
    await page.request.post(`${baseUrl}/api/runs/${id}/stop`);
    await page.context().close();
    await new Promise(r => setTimeout(r, 2000));
  }
  console.log(`Start to the first loss point drawn: ${times.map(t => t.toFixed(2)).join(" s, ")} s`);
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
