// The Draw page's canvas: pointer strokes (mouse, touch, pen), brush size, undo, clear, and
// an uploaded picture's ink. While drawing it tells .NET (debounced) and on pen-up at once,
// sending the canvas as grayscale bytes with ink bright; .NET crops, scales and centres it the
// way MNIST was made. Uploaded files are decoded and converted on the server.
const pads = new Map();
let nextId = 1;

function grayscale(canvas) {
  const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
  const out = new Uint8Array(canvas.width * canvas.height);
  for (let i = 0; i < out.length; i++) out[i] = data[i * 4 + 3]; // ink is the stroke's alpha
  return out;
}

function redraw(pad) {
  const ctx = pad.canvas.getContext("2d");
  ctx.clearRect(0, 0, pad.canvas.width, pad.canvas.height);
  if (pad.background) ctx.putImageData(pad.background, 0, 0);
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  ctx.strokeStyle = "#fff";
  for (const stroke of pad.strokes) {
    ctx.lineWidth = stroke.width;
    ctx.beginPath();
    stroke.points.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    if (stroke.points.length === 1) ctx.lineTo(stroke.points[0][0] + 0.01, stroke.points[0][1]);
    ctx.stroke();
  }
}

// Sends the canvas to .NET; `sequence` comes back in shown() so pen-up latency can be measured.
function notify(pad, now) {
  clearTimeout(pad.timer);
  const send = () => {
    const sequence = ++pad.sequence;
    if (now) pad.penUp = { sequence, at: performance.now() };
    pad.dotnet.invokeMethodAsync("Changed", grayscale(pad.canvas), pad.canvas.width, pad.canvas.height, sequence, now);
  };
  if (now) send(); else pad.timer = setTimeout(send, 120);
}

export function create(canvas, dotnet, brush) {
  const pad = { canvas, dotnet, brush, strokes: [], current: null, timer: 0, background: null, sequence: 0, penUp: null };
  const point = e => {
    const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * canvas.width / r.width, (e.clientY - r.top) * canvas.height / r.height];
  };
  canvas.style.touchAction = "none";
  canvas.addEventListener("pointerdown", e => {
    canvas.setPointerCapture(e.pointerId);
    pad.current = { width: pad.brush, points: [point(e)] };
    pad.strokes.push(pad.current);
    redraw(pad);
  });
  canvas.addEventListener("pointermove", e => {
    if (!pad.current) return;
    pad.current.points.push(point(e));
    redraw(pad);
    notify(pad, false);
  });
  const end = () => {
    if (!pad.current) return;
    pad.current = null;
    notify(pad, true);
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  const id = nextId++;
  pads.set(id, pad);
  redraw(pad);
  canvas.dataset.ready = "true"; // strokes are heard from now on (tests wait for this)
  return id;
}

export function setBrush(id, brush) { const pad = pads.get(id); if (pad) pad.brush = brush; }

export function undo(id) {
  const pad = pads.get(id);
  if (!pad) return;
  if (pad.strokes.length) pad.strokes.pop(); else pad.background = null;
  redraw(pad);
  notify(pad, true);
}

export function clear(id) {
  const pad = pads.get(id);
  if (!pad) return;
  pad.strokes = [];
  pad.background = null;
  redraw(pad);
  notify(pad, true);
}

// .NET drew the prediction for `sequence`: if that was a pen-up, record pen-up to shown.
export function shown(id, sequence) {
  const pad = pads.get(id);
  if (!pad?.penUp || pad.penUp.sequence !== sequence) return;
  (window.dashboardPredictLatencies ??= []).push(performance.now() - pad.penUp.at);
  pad.penUp = null;
}

// An uploaded picture of a digit, as the server's pipeline made it (width x height grey bytes,
// ink bright), becomes the pad's ink: strokes are cleared and later strokes draw over it. Its
// prediction is already made, so .NET is not told.
export function showInk(id, ink, width, height) {
  const pad = pads.get(id);
  if (!pad) return;
  const image = new ImageData(width, height);
  for (let i = 0; i < width * height; i++) image.data.set([255, 255, 255, ink[i]], i * 4);
  pad.strokes = [];
  pad.background = image;
  redraw(pad);
}

export function dispose(id) { pads.delete(id); }
