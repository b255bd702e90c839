using Dashboard.Shared.Datasets;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Dashboard.Server.Inference;

/// <summary>
/// A decoded picture as one of a dataset's images (C x H x W bytes): fitted to the format's size by its resize mode,
/// turned grey when it has one channel, inverted when it says so. The one step that import, predict and classify share.
/// </summary>
public static class PictureFormats
{
    public static byte[] Apply(Image<Rgb24> picture, PictureFormat format)
    {
        Fit(picture, format);
        var plane = format.Width * format.Height;
        var pixels = new Rgb24[plane];
        picture.CopyPixelDataTo(pixels);
        var bytes = new byte[format.Channels * plane];
        for (var i = 0; i < plane; i++)
        {
            var p = pixels[i];
            if (format.Channels == 1)
            {
                // ITU-R 601 luma, as PIL's convert("L") computes it.
                bytes[i] = (byte)((p.R * 299 + p.G * 587 + p.B * 114 + 500) / 1000);
            }
            else
            {
                bytes[i] = p.R;
                bytes[plane + i] = p.G;
                bytes[2 * plane + i] = p.B;
            }
        }
        if (format.Invert)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                bytes[i] = (byte)(255 - bytes[i]);
            }
        }
        return bytes;
    }

    /// <summary>Decodes a picture file and applies the format: what a picture becomes in a dataset.</summary>
    public static byte[] FromFile(byte[] file, string? contentType, PictureFormat format, int maxBytes = Dashboard.Shared.Inference.ImageLimits.MaxFileBytes,
        TimeSpan? timeout = null)
    {
        using var picture = ImageFiles.Decode(file, contentType, format.Background, maxBytes, timeout);
        return Apply(picture, format);
    }

    private static void Fit(Image<Rgb24> picture, PictureFormat format)
    {
        var size = new Size(format.Width, format.Height);
        var options = format.Resize switch
        {
            PictureResize.Crop => new ResizeOptions { Size = size, Mode = ResizeMode.Crop, Position = AnchorPositionMode.Center },
            PictureResize.Pad => new ResizeOptions { Size = size, Mode = ResizeMode.Pad, Position = AnchorPositionMode.Center, PadColor = Background(format.Background) },
            _ => new ResizeOptions { Size = size, Mode = ResizeMode.Stretch },
        };
        // A box filter when shrinking (area averaging, as MNIST's own digits were made), bicubic when enlarging.
        options.Sampler = picture.Width >= format.Width && picture.Height >= format.Height ? KnownResamplers.Box : KnownResamplers.Bicubic;
        picture.Mutate(x => x.Resize(options));
    }

    private static Color Background(PictureBackground background) => background == PictureBackground.White ? Color.White : Color.Black;
}
