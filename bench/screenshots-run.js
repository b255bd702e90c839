// The docs' screenshots from a real run (bench/screenshots.sh): Start on the Train page (cnn-bn on MNIST, 2 epochs on
// 12,000 images), the run's page mid-run and at the end, Home, the Runs page comparing it with a second run, and a sweep's page.
// Usage: node bench/screenshots-run.js BASE_URL OUT_DIR
const { chromium } = require("playwright-core");
const [baseUrl, out] = process.argv.slice(2);

async function open(browser, path) {
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
  await page.goto(baseUrl + path);
  await page.getByTestId("interactive").waitFor({ timeout: 60000 });
  return page;
}

async function train(browser, query) {
  const page = await open(browser, `/train?${query}`);
  await page.getByTestId("start").click();
  await page.waitForURL(/\/runs\/\d+$/, { timeout: 30000 });
  return page;
}

(async () => {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
  const run = await train(browser, "model=cnn-bn&epochs=2&trainLimit=12000");
  await run.locator("[data-testid=loss-chart][data-points='1']").waitFor({ timeout: 300000 });
  await run.waitForTimeout(1000); // let the charts finish drawing before the picture is taken
  await run.screenshot({ path: `${out}/run-page-live.png` });
  await run.getByTestId("run-status").getByText("Completed").waitFor({ timeout: 300000 });
  await run.waitForTimeout(1000);
  await run.screenshot({ path: `${out}/run-page.png` });
  const second = await train(browser, "model=cnn-bn&epochs=2&trainLimit=12000&optimizer=sgd&lr=0.05");
  await second.getByTestId("run-status").getByText("Completed").waitFor({ timeout: 300000 });
  const home = await open(browser, "/");
  await home.screenshot({ path: `${out}/home.png` });
  const runs = await open(browser, "/runs");
  for (const n of [1, 2]) {
    await runs.getByTestId("select-run").nth(n - 1).check();
    await runs.locator(`[data-testid=compare-chart][data-series='${n}']`).waitFor({ timeout: 30000 });
  }
  await runs.waitForTimeout(1000);
  await runs.getByTestId("overlay").screenshot({ path: `${out}/compare.png` });

  // A sweep from the Train page's panel: mlp on 6,000 images, learning rate, batch size and optimizer, 10 trials with ASHA.
  const panel = await open(browser, "/train?model=mlp&epochs=4&trainLimit=6000");
  await panel.getByText("Sweep these fields").click();
  for (const field of ["learningRate", "batchSize", "optimizer"]) await panel.getByTestId(`vary-${field}`).check();
  await panel.getByTestId("sweep-trials-count").fill("10");
  await panel.getByTestId("sweep-parallel").fill("2");
  await panel.getByTestId("sweep-parallel").blur();
  await panel.getByTestId("start-sweep").click();
  await panel.waitForURL(/\/sweeps\/\d+$/, { timeout: 30000 });
  await panel.getByTestId("sweep-status").getByText("Completed").waitFor({ timeout: 600000 });
  await panel.setViewportSize({ width: 1400, height: 900 });
  // The sweep's end announcement would cover the table: close it.
  for (const close of await panel.locator(".mud-snackbar button.mud-snackbar-close-button, .mud-snackbar .mud-icon-button").all()) await close.click().catch(() => {});
  await panel.locator(".mud-snackbar").first().waitFor({ state: "detached", timeout: 10000 }).catch(() => {});
  await panel.locator("[data-testid=sweep-parallel] svg").waitFor();
  await panel.waitForTimeout(1000);
  await panel.screenshot({ path: `${out}/sweep-page.png`, fullPage: true });
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
