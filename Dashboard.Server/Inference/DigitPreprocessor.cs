namespace Dashboard.Server.Inference;

/// <summary>
/// Turns a drawing into what an MNIST model expects, the way MNIST itself was made: white
/// ink on black, cropped to the ink's bounding box, the longer side scaled to 20 px keeping
/// the aspect ratio (with antialiasing), then placed in 28x28 so that the centre of mass
/// sits in the middle. The browser only converts its canvas to grayscale. The resample stays
/// written by hand: ImageSharp's box sampler, tried in its place, does not weigh pixels by the
/// area they cover (DigitPreprocessorTests' two-bar case lost its 2/3 grey).
/// </summary>
public static class DigitPreprocessor
{
    public const int Size = 28;
    public const int Box = 20;

    /// <summary>Pixels at or below this count as background when finding the ink.</summary>
    public const float InkThreshold = 0.05f;

    /// <summary>
    /// <paramref name="pixels"/> is a width x height grayscale image, row by row, values in
    /// [0, 1] with ink bright. Returns 28x28 values in [0, 1], or null when there is no ink.
    /// </summary>
    public static float[]? ToMnist(ReadOnlySpan<float> pixels, int width, int height)
    {
        if (width <= 0 || height <= 0 || pixels.Length != width * height)
        {
            throw new ArgumentException($"Expected {width}x{height} = {width * height} values, got {pixels.Length}.");
        }
        if (!InkBounds(pixels, width, height, out var left, out var top, out var right, out var bottom))
        {
            return null;
        }
        var cropWidth = right - left + 1;
        var cropHeight = bottom - top + 1;
        var scale = (double)Box / Math.Max(cropWidth, cropHeight);
        var scaledWidth = Math.Max(1, (int)Math.Round(cropWidth * scale));
        var scaledHeight = Math.Max(1, (int)Math.Round(cropHeight * scale));
        var scaled = Resample(pixels, width, left, top, cropWidth, cropHeight, scaledWidth, scaledHeight);

        var (centreX, centreY) = CentreOfMass(scaled, scaledWidth, scaledHeight);
        // Shift so the centre of mass lands on the middle of the 28x28 image, keeping all ink inside.
        var offsetX = Math.Clamp((int)Math.Round(Size / 2.0 - centreX), 0, Size - scaledWidth);
        var offsetY = Math.Clamp((int)Math.Round(Size / 2.0 - centreY), 0, Size - scaledHeight);
        var result = new float[Size * Size];
        for (var y = 0; y < scaledHeight; y++)
        {
            for (var x = 0; x < scaledWidth; x++)
            {
                result[(y + offsetY) * Size + x + offsetX] = scaled[y * scaledWidth + x];
            }
        }
        return result;
    }

    /// <summary>The centre of mass (x, y) of an image, in pixel coordinates (pixel centres at +0.5).</summary>
    public static (double X, double Y) CentreOfMass(ReadOnlySpan<float> image, int width, int height)
    {
        double mass = 0, x = 0, y = 0;
        for (var row = 0; row < height; row++)
        {
            for (var column = 0; column < width; column++)
            {
                var value = image[row * width + column];
                mass += value;
                x += value * (column + 0.5);
                y += value * (row + 0.5);
            }
        }
        return mass == 0 ? (width / 2.0, height / 2.0) : (x / mass, y / mass);
    }

    private static bool InkBounds(ReadOnlySpan<float> pixels, int width, int height, out int left, out int top, out int right, out int bottom)
    {
        left = width;
        top = height;
        right = -1;
        bottom = -1;
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                if (pixels[y * width + x] > InkThreshold)
                {
                    left = Math.Min(left, x);
                    right = Math.Max(right, x);
                    top = Math.Min(top, y);
                    bottom = Math.Max(bottom, y);
                }
            }
        }
        return right >= 0;
    }

    /// <summary>
    /// Area-averaging resample of a crop: each target pixel is the mean of the source area it
    /// covers (exact box filter), which antialiases when shrinking and stays smooth when growing.
    /// </summary>
    private static float[] Resample(ReadOnlySpan<float> pixels, int stride, int left, int top, int width, int height, int targetWidth, int targetHeight)
    {
        var result = new float[targetWidth * targetHeight];
        var stepX = (double)width / targetWidth;
        var stepY = (double)height / targetHeight;
        for (var ty = 0; ty < targetHeight; ty++)
        {
            var y0 = ty * stepY;
            var y1 = y0 + stepY;
            for (var tx = 0; tx < targetWidth; tx++)
            {
                var x0 = tx * stepX;
                var x1 = x0 + stepX;
                double sum = 0;
                for (var sy = (int)y0; sy < Math.Min(height, (int)Math.Ceiling(y1)); sy++)
                {
                    var coverY = Math.Min(y1, sy + 1) - Math.Max(y0, sy);
                    for (var sx = (int)x0; sx < Math.Min(width, (int)Math.Ceiling(x1)); sx++)
                    {
                        var coverX = Math.Min(x1, sx + 1) - Math.Max(x0, sx);
                        sum += pixels[(top + sy) * stride + left + sx] * coverX * coverY;
                    }
                }
                result[ty * targetWidth + tx] = (float)Math.Clamp(sum / (stepX * stepY), 0, 1);
            }
        }
        return result;
    }
}
