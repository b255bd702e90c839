// Draws dataset images (C x H x W bytes, 0-255, grayscale or planar RGB) into canvases.
export function draw(canvases, images) {
  images.forEach((image, n) => {
    const canvas = canvases[n];
    if (!canvas) return;
    const { channels, height, width } = image;
    const pixels = image.pixels; // Uint8Array from .NET byte[]
    const ctx = canvas.getContext("2d");
    const out = ctx.createImageData(width, height);
    const plane = width * height;
    for (let i = 0; i < plane; i++) {
      const r = pixels[i], g = channels === 3 ? pixels[plane + i] : r, b = channels === 3 ? pixels[2 * plane + i] : r;
      out.data.set([r, g, b, 255], i * 4);
    }
    ctx.putImageData(out, 0, 0);
  });
}
