using Microsoft.Playwright;

namespace Dashboard.BrowserTests;

/// <summary>Mouse strokes on the Draw page's 280x280 canvas, in canvas pixels.</summary>
public static class Drawing
{
    public static (float X, float Y)[] Line(float x1, float y1, float x2, float y2, int steps = 12) =>
        [.. Enumerable.Range(0, steps + 1).Select(i => (x1 + (x2 - x1) * i / steps, y1 + (y2 - y1) * i / steps))];

    public static (float X, float Y)[] Ellipse(float cx, float cy, float rx, float ry, int steps = 36) =>
        [.. Enumerable.Range(0, steps + 1).Select(i =>
            (cx + rx * MathF.Sin(2 * MathF.PI * i / steps), cy - ry * MathF.Cos(2 * MathF.PI * i / steps)))];

    /// <summary>Presses the mouse at the first point, moves through the rest and releases.</summary>
    public static async Task Stroke(IPage page, (float X, float Y)[] points)
    {
        // The canvas listens once draw.js has set it up, which can be a moment after the circuit is live.
        await page.Locator("[data-testid=draw-canvas][data-ready=true]").WaitForAsync();
        var canvas = (await page.GetByTestId("draw-canvas").BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(canvas.X + points[0].X, canvas.Y + points[0].Y);
        await page.Mouse.DownAsync();
        foreach (var (x, y) in points.Skip(1))
        {
            await page.Mouse.MoveAsync(canvas.X + x, canvas.Y + y, new MouseMoveOptions { Steps = 2 });
        }
        await page.Mouse.UpAsync();
    }
}
