// The Draw page's canvas: pointer strokes (mouse, touch, pen), brush size, undo, clear, and
// image upload. While drawing it tells .NET (debounced) and on pen-up at once, sending the
// canvas as grayscale bytes with ink bright; .NET crops, scales and centres it the way MNIST
// was made. Uploads are decoded and rasterised here, by the browser.
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
    pad.dotnet.invokeMethodAsync("DrawingChanged", grayscale(pad.canvas), pad.canvas.width, pad.canvas.height, sequence);
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

async function decode(input) {
  const file = input.files?.[0];
  if (!file) return null;
  try {
    return await createImageBitmap(file);
  } finally {
    input.value = ""; // choosing the same file again fires another change
  }
}

// Luminance of an image drawn into a width x height canvas (the browser scales it).
function luminance(bitmap, width, height) {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff"; // transparent areas count as paper
  ctx.fillRect(0, 0, width, height);
  ctx.drawImage(bitmap, 0, 0, width, height);
  const { data } = ctx.getImageData(0, 0, width, height);
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(0.299 * data[i * 4] + 0.587 * data[i * 4 + 1] + 0.114 * data[i * 4 + 2]);
  return { out, data };
}

// Ink must be bright on dark: photos and scans of a digit are dark on light paper, so an image
// whose border is mostly light is inverted.
function inkBright(gray, width, height) {
  let border = 0, n = 0;
  for (let x = 0; x < width; x++) { border += gray[x] + gray[(height - 1) * width + x]; n += 2; }
  for (let y = 0; y < height; y++) { border += gray[y * width] + gray[y * width + width - 1]; n += 2; }
  if (border / n > 127) for (let i = 0; i < gray.length; i++) gray[i] = 255 - gray[i];
  return gray;
}

// An uploaded picture of a digit becomes the canvas's ink (strokes are cleared), so it goes
// through exactly the same pipeline as a drawing. Returns false when no file was chosen.
export async function uploadDigit(id, input) {
  const pad = pads.get(id);
  const bitmap = pad && await decode(input);
  if (!bitmap) return false;
  const { width, height } = pad.canvas;
  const scale = Math.min(width / bitmap.width, height / bitmap.height);
  const w = Math.max(1, Math.round(bitmap.width * scale)), h = Math.max(1, Math.round(bitmap.height * scale));
  const gray = inkBright(luminance(bitmap, w, h).out, w, h);
  const image = new ImageData(width, height);
  const left = Math.floor((width - w) / 2), top = Math.floor((height - h) / 2);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) image.data.set([255, 255, 255, gray[y * w + x]], ((top + y) * width + left + x) * 4);
  pad.strokes = [];
  pad.background = image;
  redraw(pad);
  notify(pad, true);
  return true;
}

// An uploaded picture for a model that takes C x H x W images as they are (CIFAR-10: 3x32x32
// RGB; Fashion-MNIST: 1x28x28, bright object on black): scaled to the size by the browser and
// returned as planar bytes, or null when no file was chosen.
export async function uploadImage(input, channels, height, width) {
  const bitmap = await decode(input);
  if (!bitmap) return null;
  const { out, data } = luminance(bitmap, width, height);
  if (channels === 1) return inkBright(out, width, height);
  const planes = new Uint8Array(3 * width * height);
  for (let i = 0; i < width * height; i++) {
    planes[i] = data[i * 4];
    planes[width * height + i] = data[i * 4 + 1];
    planes[2 * width * height + i] = data[i * 4 + 2];
  }
  return planes;
}

export function dispose(id) { pads.delete(id); }
