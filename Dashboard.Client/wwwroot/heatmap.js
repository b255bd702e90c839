// The confusion-matrix heatmap: rows are true classes, columns predicted, the cell text the
// count (or the row's percentage when normalised). Clicking a cell tells .NET (Clicked)
// which true and predicted class it holds. ApexCharts is the UMD build from wwwroot/lib.
import { chartHost } from "./chart-host.js";
const maps = new Map();
let nextId = 1;

function series(options) {
  // ApexCharts draws the first series at the bottom: reverse so class 0 is the top row.
  return options.matrix.map((row, t) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    return {
      name: `true ${options.classes[t]}`,
      data: row.map((count, p) => ({ x: options.classes[p], y: options.normalised ? Math.round((count / total) * 1000) / 10 : count })),
    };
  }).reverse();
}

export function create(element, options, dotnet) {
  const classes = options.matrix.length;
  const apex = new ApexCharts(chartHost(element), {
    chart: {
      type: "heatmap", height: 420, animations: { enabled: false }, toolbar: { show: false }, injectStyleSheet: false,
      events: {
        // Series are reversed (see series()), so series i is true class classes-1-i.
        dataPointSelection: (event, context, config) =>
          dotnet.invokeMethodAsync("Clicked", classes - 1 - config.seriesIndex, config.dataPointIndex),
      },
    },
    series: series(options),
    // A light top colour keeps dark labels readable on every cell, zeros included.
    dataLabels: { enabled: true, style: { fontSize: "11px", colors: ["#111"] } },
    colors: ["#7986cb"],
    xaxis: { title: { text: "predicted" } },
    yaxis: { title: { text: "true" } },
    legend: { show: false },
    tooltip: { y: { formatter: v => (options.normalised ? `${v}%` : `${v}`) } },
  });
  apex.render();
  const id = nextId++;
  maps.set(id, apex);
  element.dataset.cells = String(options.matrix.length * options.matrix.length);
  return id;
}

export function update(id, options) {
  maps.get(id)?.updateSeries(series(options), false);
}

export function dispose(id) {
  maps.get(id)?.destroy();
  maps.delete(id);
}
