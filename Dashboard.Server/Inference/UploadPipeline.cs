using Dashboard.Shared.Runs;
using Dashboard.Shared.Datasets;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace Dashboard.Server.Inference;

/// <summary>An uploaded picture as a model's input (C x H x W values in [0, 1]); for a digit model also the drawing pad's ink it became.</summary>
public sealed record UploadedInput(float[] Input, byte[]? Ink);

/// <summary>
/// One pipeline for every uploaded picture, the Draw page's and the predict API's alike. A
/// picture for a digit model is fitted into the drawing pad (280x280, aspect kept), turned to
/// grey and inverted when it is dark on light paper, then goes through the drawing's own MNIST
/// preprocessing. A picture for another built-in model is scaled to its input size (CIFAR-10: 32x32
/// RGB; Fashion-MNIST: 28x28 grey, inverted when dark on light); for a model of an imported
/// dataset it goes through that dataset's picture format.
/// </summary>
public static class UploadPipeline
{
    /// <summary>The drawing pad's size on the Draw page.</summary>
    public const int PadSize = 280;

    /// <summary>
    /// The drawing pad (ink bright on dark) as a picture of an imported grey dataset: dark ink on white paper, through
    /// the dataset's picture format (which inverts it back when the dataset was imported inverted).
    /// </summary>
    public static float[] PadInput(byte[] grayscale, int width, int height, PictureFormat format)
    {
        using var picture = new Image<Rgb24>(width, height);
        for (var i = 0; i < grayscale.Length && i < width * height; i++)
        {
            var paper = (byte)(255 - grayscale[i]);
            picture[i % width, i / width] = new Rgb24(paper, paper, paper);
        }
        return Pixels.FromBytes(PictureFormats.Apply(picture, format with { Background = PictureBackground.White }));
    }

    public static UploadedInput ToInput(byte[] file, string? contentType, ModelCard card)
    {
        if (card.Pictures is { } format)
        {
            // An imported dataset's picture: its own import pipeline, so training and prediction see pictures the same way.
            return new UploadedInput(Pixels.FromBytes(PictureFormats.FromFile(file, contentType, format)), null);
        }
        var (shape, digits) = (card.Input, card.Dataset == "mnist");
        using var image = ImageFiles.Decode(file, contentType);
        if (digits)
        {
            var scale = Math.Min((double)PadSize / image.Width, (double)PadSize / image.Height);
            var width = Math.Clamp((int)Math.Round(image.Width * scale), 1, PadSize);
            var height = Math.Clamp((int)Math.Round(image.Height * scale), 1, PadSize);
            ImageFiles.Resize(image, width, height);
            var grey = InkBright(Grey(image), width, height);
            var pad = new byte[PadSize * PadSize];
            var left = (PadSize - width) / 2;
            var top = (PadSize - height) / 2;
            for (var y = 0; y < height; y++)
            {
                grey.AsSpan(y * width, width).CopyTo(pad.AsSpan((top + y) * PadSize + left));
            }
            var input = DigitPreprocessor.ToMnist(Pixels.FromBytes(pad), PadSize, PadSize)
                ?? throw new ImageRejectedException("the picture is blank: no ink was found in it.");
            return new UploadedInput(input, pad);
        }
        var (channels, rows, columns) = (shape.Dims[0], shape.Dims[1], shape.Dims[2]);
        ImageFiles.Resize(image, columns, rows);
        if (channels == 1)
        {
            return new UploadedInput(Pixels.FromBytes(InkBright(Grey(image), columns, rows)), null);
        }
        var plane = rows * columns;
        var planar = new byte[3 * plane];
        var pixels = new Rgb24[plane];
        image.CopyPixelDataTo(pixels);
        for (var i = 0; i < plane; i++)
        {
            planar[i] = pixels[i].R;
            planar[plane + i] = pixels[i].G;
            planar[2 * plane + i] = pixels[i].B;
        }
        return new UploadedInput(Pixels.FromBytes(planar), null);
    }

    private static byte[] Grey(Image<Rgb24> image)
    {
        var pixels = new Rgb24[image.Width * image.Height];
        image.CopyPixelDataTo(pixels);
        return [.. pixels.Select(p => (byte)Math.Round(0.299 * p.R + 0.587 * p.G + 0.114 * p.B))];
    }

    // Ink must be bright on dark: photos and scans are dark on light paper, so a picture whose
    // border is mostly light is inverted.
    private static byte[] InkBright(byte[] grey, int width, int height)
    {
        double border = 0;
        var count = 0;
        for (var x = 0; x < width; x++)
        {
            border += grey[x] + grey[(height - 1) * width + x];
            count += 2;
        }
        for (var y = 0; y < height; y++)
        {
            border += grey[y * width] + grey[y * width + width - 1];
            count += 2;
        }
        if (border / count > 127)
        {
            for (var i = 0; i < grey.Length; i++)
            {
                grey[i] = (byte)(255 - grey[i]);
            }
        }
        return grey;
    }
}
