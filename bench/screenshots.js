// Screenshots of every page at a desktop (1400 px) and a tablet (820 px) width, for a person
// to look at after a UI change. Usage: node bench/screenshots.js BASE_URL RUN_ID OUT_DIR
const { chromium } = require("playwright-core");
const [baseUrl, runId, out] = process.argv.slice(2);

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  const pages = { home: "/", train: "/train", runs: "/runs", run: `/runs/${runId}`, draw: "/draw", datasets: "/datasets", login: "/login" };
  for (const width of [1400, 820]) {
    const page = await (await browser.newContext({ viewport: { width, height: width === 1400 ? 900 : 1180 } })).newPage();
    for (const [name, path] of Object.entries(pages)) {
      await page.goto(baseUrl + path);
      await page.locator("[data-testid=interactive], [data-testid=login-open], [data-testid=login-form]").first().waitFor({ timeout: 60000 });
      await page.waitForTimeout(800); // let charts and images finish drawing before the picture is taken
      await page.screenshot({ path: `${out}/${name}-${width}.png`, fullPage: false });
    }
  }
  await browser.close();
})().catch(e => { console.error(e); process.exit(1); });
