using Dashboard.Server.Inference;

namespace Dashboard.UnitTests;

public class DigitPreprocessorTests
{
    /// <summary>A black canvas with a white filled rectangle (inclusive corners).</summary>
    private static float[] Canvas(int width, int height, int left, int top, int right, int bottom, float ink = 1f)
    {
        var pixels = new float[width * height];
        for (var y = top; y <= bottom; y++)
        {
            for (var x = left; x <= right; x++)
            {
                pixels[y * width + x] = ink;
            }
        }
        return pixels;
    }

    private static (int Left, int Top, int Right, int Bottom) Bounds(float[] image)
    {
        int left = 28, top = 28, right = -1, bottom = -1;
        for (var i = 0; i < image.Length; i++)
        {
            if (image[i] > DigitPreprocessor.InkThreshold)
            {
                left = Math.Min(left, i % 28);
                right = Math.Max(right, i % 28);
                top = Math.Min(top, i / 28);
                bottom = Math.Max(bottom, i / 28);
            }
        }
        return (left, top, right, bottom);
    }

    [Fact]
    public void An_empty_canvas_gives_no_image()
    {
        Assert.Null(DigitPreprocessor.ToMnist(new float[280 * 280], 280, 280));
        Assert.Null(DigitPreprocessor.ToMnist(Canvas(50, 50, 0, 0, 49, 49, ink: 0.01f), 50, 50));
    }

    [Fact]
    public void A_stroke_in_a_corner_is_moved_so_its_centre_of_mass_is_in_the_middle()
    {
        var image = DigitPreprocessor.ToMnist(Canvas(280, 280, 10, 10, 60, 120), 280, 280)!;
        var (x, y) = DigitPreprocessor.CentreOfMass(image, 28, 28);
        Assert.InRange(x, 13.5, 14.5);
        Assert.InRange(y, 13.5, 14.5);
    }

    [Fact]
    public void The_longer_side_becomes_20_pixels_and_the_aspect_ratio_is_kept()
    {
        // 51 wide, 111 tall: height becomes 20, width 51 * 20 / 111 = 9.2, so 9 pixels.
        var (left, top, right, bottom) = Bounds(DigitPreprocessor.ToMnist(Canvas(280, 280, 10, 10, 60, 120), 280, 280)!);
        Assert.Equal(20, bottom - top + 1);
        Assert.Equal(9, right - left + 1);

        var wide = Bounds(DigitPreprocessor.ToMnist(Canvas(300, 100, 20, 40, 219, 59), 300, 100)!);
        Assert.Equal(20, wide.Right - wide.Left + 1);
        Assert.Equal(2, wide.Bottom - wide.Top + 1);
    }

    [Fact]
    public void A_thin_stroke_survives_shrinking_as_grey_antialiased_pixels()
    {
        // A one-pixel vertical line on a 280-pixel canvas, 200 tall: shrunk 10x it stays one pixel wide.
        var image = DigitPreprocessor.ToMnist(Canvas(280, 280, 140, 40, 140, 239), 280, 280)!;
        var (left, top, right, bottom) = Bounds(image);
        Assert.Equal(1, right - left + 1);
        Assert.Equal(20, bottom - top + 1);
        Assert.All(Enumerable.Range(top, 20), row => Assert.Equal(1f, image[row * 28 + left], 3));
    }

    [Fact]
    public void A_thick_stroke_keeps_full_intensity_and_shrinking_averages_partial_edges()
    {
        // 40 wide x 200 tall: scale 0.1 gives exactly 4 x 20 full-intensity pixels.
        var image = DigitPreprocessor.ToMnist(Canvas(280, 280, 100, 40, 139, 239), 280, 280)!;
        Assert.Equal(80, image.Count(v => v > 0.99f));
        // Two 5-pixel bars 5 pixels apart (15 wide) shrink 10x into 2 columns that each cover
        // 7.5 source columns, 5 of them ink: antialiased to 2/3 grey, not thresholded.
        var bars = Canvas(280, 280, 100, 40, 104, 239);
        for (var y = 40; y <= 239; y++)
        {
            for (var x = 110; x <= 114; x++)
            {
                bars[y * 280 + x] = 1f;
            }
        }
        var grey = DigitPreprocessor.ToMnist(bars, 280, 280)!;
        Assert.Equal(40, grey.Count(v => Math.Abs(v - 2f / 3) < 0.01f));
        Assert.All(grey, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void A_wrong_pixel_count_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => DigitPreprocessor.ToMnist(new float[10], 5, 5));
    }
}
