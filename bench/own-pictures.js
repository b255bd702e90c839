// Classifies a zip through the Draw page's Classify view in Debian's Chromium and compares each row with the API's answer.
// Usage: node bench/own-pictures.js BASE_URL RUN_ID ZIP API_ANSWER.json
const fs = require("fs");
const { chromium } = require("playwright-core");
const [baseUrl, runId, zip, apiFile] = process.argv.slice(2);

(async () => {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  await page.goto(`${baseUrl}/draw`);
  await page.locator("[data-testid=classify-drop][data-ready=true]").waitFor({ timeout: 60000 });
  await page.getByTestId("classify-drop-input").setInputFiles(zip);
  await page.getByTestId("classify-results").waitFor({ timeout: 120000 });
  const shown = {};
  // Each page of the table read in one go (a re-render between two reads would pair a file with another row's class).
  const rows = () => page.getByTestId("classify-results").locator("tbody tr").evaluateAll(trs =>
    trs.map(tr => [tr.querySelector("[data-testid=classify-file]").textContent, tr.querySelector("[data-testid=classify-label]").textContent]));
  for (;;) {
    const shownRows = await rows();
    for (const [file, label] of shownRows) shown[file] = label;
    const next = page.locator(".mud-table-pagination-actions button").nth(2);
    if (await next.isDisabled()) break;
    await next.click();
    await page.waitForFunction(first => document.querySelector("[data-testid=classify-results] tbody tr [data-testid=classify-file]").textContent !== first, shownRows[0][0]);
  }
  const api = JSON.parse(fs.readFileSync(apiFile, "utf8")).results;
  const same = api.filter(r => shown[r.file] === r.label).length;
  for (const r of api.filter(r => shown[r.file] !== r.label)) console.log(`differs: ${r.file}: page ${shown[r.file]}, API ${r.label}`);
  const right = api.filter(r => r.file.startsWith(r.label + "/")).length;
  console.log(`classify: ${api.length} new pictures, the page and the API agree on ${same}; ${right} of them right (${(100 * right / api.length).toFixed(0)}%)`);
  await browser.close();
  process.exit(same === api.length ? 0 : 1);
})().catch(e => { console.error(e); process.exit(1); });
