// The Draw page's canvas: pointer strokes (mouse, touch, pen), brush size, undo, clear.
// While drawing it tells .NET (debounced) and on pen-up at once, sending the canvas as
// grayscale bytes with ink bright; .NET crops, scales and centres it the way MNIST was made.
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

function notify(pad, now) {
  clearTimeout(pad.timer);
  const send = () => pad.dotnet.invokeMethodAsync("DrawingChanged", grayscale(pad.canvas), pad.canvas.width, pad.canvas.height);
  if (now) send(); else pad.timer = setTimeout(send, 120);
}

export function create(canvas, dotnet, brush) {
  const pad = { canvas, dotnet, brush, strokes: [], current: null, timer: 0 };
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
  return id;
}

export function setBrush(id, brush) { const pad = pads.get(id); if (pad) pad.brush = brush; }

export function undo(id) {
  const pad = pads.get(id);
  if (!pad) return;
  pad.strokes.pop();
  redraw(pad);
  notify(pad, true);
}

export function clear(id) {
  const pad = pads.get(id);
  if (!pad) return;
  pad.strokes = [];
  redraw(pad);
  notify(pad, true);
}

// Draws the 28x28 image the model received (values in [0, 1]) into a small canvas.
export function preview(canvas, values) {
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(28, 28);
  values.forEach((v, i) => {
    const g = Math.round(v * 255);
    image.data.set([g, g, g, 255], i * 4);
  });
  ctx.putImageData(image, 0, 0);
}

export function dispose(id) { pads.delete(id); }
