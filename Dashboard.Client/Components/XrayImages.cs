namespace Dashboard.Client.Components;

/// <summary>Turns X-ray and attribution values into <see cref="GridImage"/>s (bytes the browser draws on canvases).</summary>
public static class XrayImages
{
    /// <summary>Values as grey levels, 0 and below black, <paramref name="max"/> and above white.</summary>
    public static GridImage Gray(IReadOnlyList<float> values, int height, int width, float max, string caption, string? title = null)
    {
        var pixels = new byte[height * width];
        var scale = max > 0 ? 255 / max : 0;
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)Math.Clamp(values[i] * scale, 0, 255);
        }
        return new GridImage(1, height, width, pixels, caption, title);
    }

    /// <summary>
    /// Signed values on white: positive red, negative blue, the largest magnitude (or <paramref name="scale"/>) at full
    /// colour; planar RGB for <see cref="ImageGrid"/>.
    /// </summary>
    public static GridImage Diverging(IReadOnlyList<float> values, int height, int width, string caption, string? title = null, float? scale = null)
    {
        var plane = height * width;
        var max = scale ?? values.Select(Math.Abs).DefaultIfEmpty(0).Max();
        var pixels = new byte[3 * plane];
        for (var i = 0; i < plane; i++)
        {
            var v = max > 0 ? Math.Clamp(values[i] / max, -1, 1) : 0;
            var fade = (byte)(255 * (1 - Math.Abs(v)));
            (pixels[i], pixels[plane + i], pixels[2 * plane + i]) = v >= 0 ? ((byte)255, fade, fade) : (fade, fade, (byte)255);
        }
        return new GridImage(3, height, width, pixels, caption, title);
    }
}
