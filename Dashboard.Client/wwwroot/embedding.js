// The embedding map: a run's test images as points (penultimate layer, two principal components), one colour per
// class, the image on hover, and the current drawing as a marker laid over the chart: moving it redraws nothing of
// ApexCharts' 2,000 points (an annotation did, and took the Draw page's pen-up latency with it).
import { chartHost } from "./chart-host.js";

const maps = new Map();
let nextId = 1;

function imageUrl(map, index) {
  if (map.urls.has(index)) return map.urls.get(index);
  const { channels, height, width, pixels } = map;
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  const out = ctx.createImageData(width, height);
  const plane = width * height, start = index * channels * plane;
  for (let i = 0; i < plane; i++) {
    const r = pixels[start + i], g = channels === 3 ? pixels[start + plane + i] : r, b = channels === 3 ? pixels[start + 2 * plane + i] : r;
    out.data.set([r, g, b, 255], i * 4);
  }
  ctx.putImageData(out, 0, 0);
  const url = canvas.toDataURL();
  map.urls.set(index, url);
  return url;
}

// data: { classes, points: [{ index, label, predicted, x, y }], channels, height, width, explained: [pc1, pc2] }; pixels: Uint8Array
export function create(element, data, pixels) {
  const map = { channels: data.channels, height: data.height, width: data.width, pixels, urls: new Map() };
  const series = data.classes.map((name, c) => ({
    name, data: data.points.filter(p => p.label === c).map(p => ({ x: p.x, y: p.y, index: p.index, predicted: p.predicted })),
  }));
  const percent = v => `${(v * 100).toFixed(0)} %`;
  const host = chartHost(element);
  host.style.position = "relative";
  map.apex = new ApexCharts(host, {
    chart: { type: "scatter", height: 420, animations: { enabled: false }, toolbar: { show: false }, zoom: { enabled: false }, injectStyleSheet: false },
    series,
    // Ten distinguishable colours (matplotlib's tab10); ApexCharts' default palette repeats after five.
    colors: ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"],
    xaxis: { type: "numeric", tickAmount: 6, labels: { formatter: v => Number(v).toFixed(1) }, title: { text: `component 1 (${percent(data.explained[0])} of the variance)` } },
    yaxis: { labels: { formatter: v => Number(v).toFixed(1) }, title: { text: `component 2 (${percent(data.explained[1])})` } },
    markers: { size: 3, strokeWidth: 0 },
    legend: { position: "bottom" },
    tooltip: {
      custom: ({ seriesIndex, dataPointIndex, w }) => {
        const p = w.config.series[seriesIndex].data[dataPointIndex];
        const wrong = p.predicted !== seriesIndex ? `, predicted ${data.classes[p.predicted]}` : "";
        return `<div style="padding:6px;text-align:center"><img src="${imageUrl(map, p.index)}" width="56" height="56" style="image-rendering:pixelated;background:#000"><div>test #${p.index}: ${data.classes[seriesIndex]}${wrong}</div></div>`;
      },
    },
  });
  map.apex.render();
  map.marker = document.createElement("div");
  map.marker.title = "your drawing";
  map.marker.style.cssText = "position:absolute;width:14px;height:14px;margin:-10px 0 0 -10px;border-radius:50%;background:#000;" +
    "border:3px solid #fff;box-shadow:0 0 0 2px #000;pointer-events:none;display:none";
  host.appendChild(map.marker);
  const id = nextId++;
  maps.set(id, map);
  element.dataset.points = String(data.points.length);
  return id;
}

// Marks the drawing at (x, y), where ApexCharts' annotations would put it; null takes the mark away (a cleared pad).
export function place(id, element, x, y) {
  const map = maps.get(id);
  if (!map) return;
  if (x == null) {
    map.marker.style.display = "none";
    delete element.dataset.placed;
    return;
  }
  const g = map.apex.w.globals;
  const left = g.translateX + (x - g.minX) / ((g.maxX - g.minX) / g.gridWidth);
  const top = g.translateY + g.gridHeight - (y - g.minYArr[0]) / (g.yRange[0] / g.gridHeight);
  map.marker.style.left = `${Math.min(Math.max(left, g.translateX), g.translateX + g.gridWidth)}px`;
  map.marker.style.top = `${Math.min(Math.max(top, g.translateY), g.translateY + g.gridHeight)}px`;
  map.marker.style.display = "block";
  element.dataset.placed = `${x.toFixed(3)},${y.toFixed(3)}`;
}

export function dispose(id) {
  maps.get(id)?.apex.destroy();
  maps.delete(id);
}
