// Drops one rule of Radzen's theme that makes Chromium restyle the whole page on every DOM
// update: `.rz-datepicker:has(> .rz-inputtext:not(:disabled):not(.rz-state-disabled):focus)`.
// With it, a page watching a run spent about 80 ms a second restyling; without it, about 17
// (bench/dashboard-watchers.sh, pageMainThreadMsPerSecond). The dashboard has no date picker.
for (const sheet of document.styleSheets) {
  if (!sheet.href || !sheet.href.includes("/Radzen.Blazor/css/")) continue;
  for (let i = sheet.cssRules.length - 1; i >= 0; i--) {
    if (sheet.cssRules[i].selectorText?.includes(".rz-datepicker:has(")) sheet.deleteRule(i);
  }
}
