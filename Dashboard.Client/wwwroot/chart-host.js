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

// A live chart draws a change only while some of it is in the viewport of a visible tab; otherwise the latest change
// waits and is drawn as the chart comes into view, as dashboards such as Grafana do with panels out of view: the run
// page's health charts below the fold were redrawn at every epoch's end and live sample while nobody looked at them.
const states = new Map(); // element -> { visible, pending }
let observer = null;

// data-waiting marks a chart whose latest change waits to be seen (the browser tests look for it).
function flush(element, state) {
  if (state.visible && !document.hidden && state.pending) {
    const draw = state.pending;
    state.pending = null;
    delete element.dataset.waiting;
    draw();
  } else if (state.pending) {
    element.dataset.waiting = "true";
  }
}

function stateOf(element) {
  let state = states.get(element);
  if (!state) {
    // Not visible until the observer's first report, which it makes for every element it starts observing.
    state = { visible: false, pending: null };
    states.set(element, state);
    observer ??= new IntersectionObserver(entries => entries.forEach(e => {
      const s = states.get(e.target);
      if (s) { s.visible = e.isIntersecting; flush(e.target, s); }
    }));
    observer.observe(element);
  }
  return state;
}

document.addEventListener("visibilitychange", () => states.forEach((state, element) => flush(element, state)));

// Runs `draw` now if `element` is in view, else when it comes into view (a later call replaces a waiting one).
export function drawWhenSeen(element, draw) {
  const state = stateOf(element);
  state.pending = draw;
  flush(element, state);
}

export function forget(element) {
  observer?.unobserve(element);
  delete element.dataset.waiting;
  states.delete(element);
}
