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
    /// <summary>The picture as the format says; its transparency (an Rgba32 picture's) composited onto the format's background.</summary>
    public static byte[] Apply(Image picture, PictureFormat format) => picture switch
    {
        Image<Rgb24> rgb => Apply(rgb, format),
        Image<Rgba32> rgba => Apply(rgba, format),
        _ => throw new ArgumentException($"pictures are Rgb24 or Rgba32, not {picture.PixelType.BitsPerPixel}-bit."),
    };

    public static byte[] Apply<TPixel>(Image<TPixel> picture, PictureFormat format) where TPixel : unmanaged, IPixel<TPixel>
    {
        Fit(picture, format);
        var plane = format.Width * format.Height;
        var pixels = new TPixel[plane];
        picture.CopyPixelDataTo(pixels);
        var bytes = new byte[format.Channels * plane];
        var paper = format.Background == PictureBackground.White ? 255 : 0;
        Rgba32 c = default;
        for (var i = 0; i < plane; i++)
        {
            pixels[i].ToRgba32(ref c);
            // Composited onto the background (a JPEG's alpha is always 255).
            var (r, g, b) = c.A == 255 ? (c.R, c.G, c.B)
                : ((byte)((c.R * c.A + paper * (255 - c.A) + 127) / 255), (byte)((c.G * c.A + paper * (255 - c.A) + 127) / 255), (byte)((c.B * c.A + paper * (255 - c.A) + 127) / 255));
            if (format.Channels == 1)
            {
                // ITU-R 601 luma, as PIL's convert("L") computes it.
                bytes[i] = (byte)((r * 299 + g * 587 + b * 114 + 500) / 1000);
            }
            else
            {
                bytes[i] = r;
                bytes[plane + i] = g;
                bytes[2 * plane + i] = b;
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
        using var picture = ImageFiles.DecodeRaw(file, contentType, maxBytes, timeout);
        return Apply(picture, format);
    }

    private static void Fit(Image picture, PictureFormat format)
    {
        if (picture.Width == format.Width && picture.Height == format.Height)
        {
            return;
        }
        var size = new Size(format.Width, format.Height);
        var options = format.Resize switch
        {
            PictureResize.Crop => new ResizeOptions { Size = size, Mode = ResizeMode.Crop, Position = AnchorPositionMode.Center },
            // Padding is opaque background, so compositing leaves it as it is.
            PictureResize.Pad => new ResizeOptions { Size = size, Mode = ResizeMode.Pad, Position = AnchorPositionMode.Center, PadColor = Background(format.Background) },
            _ => new ResizeOptions { Size = size, Mode = ResizeMode.Stretch },
        };
        // A box filter when shrinking (area averaging, as MNIST's own digits were made), bicubic when enlarging.
        options.Sampler = picture.Width >= format.Width && picture.Height >= format.Height ? KnownResamplers.Box : KnownResamplers.Bicubic;
        picture.Mutate(x => x.Resize(options));
    }

    private static Color Background(PictureBackground background) => background == PictureBackground.White ? Color.White : Color.Black;
}
