// Gives an ApexCharts chart a shadow root to draw in. The page's theme has thousands of rules,
// and every element ApexCharts inserts is matched against them: outside the document's style
// scope an append cost about a quarter (measured in Chromium with the earlier theme,
// bench/chart-cost.js). Only apexcharts.css is adopted inside; inherited fonts still apply.
let sheet = null;

function apexSheet() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    const linked = [...document.styleSheets].find(s => s.href && s.href.includes("apexcharts"));
    sheet.replaceSync(linked ? [...linked.cssRules].map(r => r.cssText).join("\n") : "");
  }
  return sheet;
}

// Returns an empty element inside the host's shadow root for ApexCharts to render into.
export function chartHost(element) {
  const root = element.shadowRoot ?? element.attachShadow({ mode: "open" });
  root.adoptedStyleSheets = [apexSheet()];
  const inner = document.createElement("div");
  root.replaceChildren(inner);
  return inner;
}

// How long a live chart waits before its next redraw: at least `least` ms, and long enough that drawing (`cost` ms,
// timed to ApexCharts' promise) takes at most 0.5 % of the time, up to `most` ms.
export function redrawInterval(cost, least, most) {
  return Math.min(most, Math.max(least, 200 * cost));
}
