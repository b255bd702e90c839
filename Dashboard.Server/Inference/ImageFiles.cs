using Dashboard.Shared.Datasets;
using Dashboard.Shared.Inference;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Dashboard.Server.Inference;

/// <summary>An image file that is refused, with the reason.</summary>
public sealed class ImageRejectedException(string message) : Exception(message);

/// <summary>
/// Every image that comes in or goes out, through ImageSharp 2.1.13: PNG, JPEG, BMP, GIF, TIFF and WebP files are
/// checked (size, then the dimensions their header claims, then the bytes against the declared content type; a TIFF's
/// directories for its frames and compression) before anything is decoded, and decoded into bounded memory within a
/// bounded time.
/// </summary>
public static class ImageFiles
{
    private const int MaxSide = ImageLimits.MaxSide;
    private const long MaxPixels = ImageLimits.MaxPixels;
    private const string Formats = ImageLimits.Formats;

    private static readonly Configuration Decoding = CreateConfiguration();

    /// <summary>Pictures of more pixels than this decode on a watched thread, refused when they take longer than the limit.</summary>
    public const long WatchedAbovePixels = 256 * 256;

    private static Configuration CreateConfiguration()
    {
        var configuration = new Configuration(new PngConfigurationModule(), new JpegConfigurationModule(), new GifConfigurationModule(),
            new BmpConfigurationModule(), new TiffConfigurationModule(), new WebpConfigurationModule())
        {
            // Far above a 16-megapixel RGBA image and its resize buffers; a decoder that asks for more fails instead.
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = 256, MaximumPoolSizeMegabytes = 32 }),
        };
        // An animated GIF or a multi-page TIFF: the first frame only, so frames cannot multiply the memory.
        configuration.ImageFormatsManager.SetDecoder(GifFormat.Instance, new GifDecoder { DecodingMode = FrameDecodingMode.First });
        configuration.ImageFormatsManager.SetDecoder(TiffFormat.Instance, new TiffDecoder { DecodingMode = FrameDecodingMode.First });
        return configuration;
    }

    /// <summary>
    /// Decodes one image file, the first frame of an animation, turned as its EXIF orientation says, with transparency
    /// composited over <paramref name="background"/> (white: paper). <paramref name="contentType"/> is what the client
    /// declared: an <c>image/*</c> type must match the bytes; anything else is not checked. A decode that takes longer
    /// than <paramref name="timeout"/> is refused (ImageSharp 2.1's decoders cannot be cancelled: it finishes unwatched,
    /// bounded by the pixel and memory limits).
    /// </summary>
    public static Image<Rgb24> Decode(byte[] file, string? contentType, PictureBackground background = PictureBackground.White,
        int maxBytes = ImageLimits.MaxFileBytes, TimeSpan? timeout = null)
    {
        var image = DecodeRaw(file, contentType, maxBytes, timeout);
        if (image is Image<Rgb24> opaque)
        {
            return opaque;
        }
        using var withAlpha = (Image<Rgba32>)image;
        var flat = new Image<Rgb24>(withAlpha.Width, withAlpha.Height, background == PictureBackground.White ? new Rgb24(255, 255, 255) : new Rgb24(0, 0, 0));
        flat.Mutate(x => x.DrawImage(withAlpha, 1f));
        return flat;
    }

    /// <summary>
    /// Decodes one image file as <see cref="Decode"/> does, but leaves its transparency for the caller: an
    /// <c>Image&lt;Rgb24&gt;</c> for a JPEG (which has none), an <c>Image&lt;Rgba32&gt;</c> otherwise.
    /// </summary>
    public static Image DecodeRaw(byte[] file, string? contentType, int maxBytes = ImageLimits.MaxFileBytes, TimeSpan? timeout = null)
    {
        var (format, info) = Check(file, contentType, maxBytes);
        try
        {
            var limit = timeout ?? ImageLimits.DecodeTime;
            // A small picture decodes on this thread: its time is bounded by its few pixels and its bytes, and handing
            // it to another thread to be watched took a third of a tiny picture's import time.
            var decoding = (long)info.Width * info.Height <= WatchedAbovePixels ? Task.FromResult(Load(file, format)) : Task.Run(() => Load(file, format));
            if (!decoding.Wait(limit))
            {
                // Whatever it decodes later is thrown away.
                decoding.ContinueWith(t => t.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion);
                throw new ImageRejectedException($"decoding the {format.Name} file took longer than {limit.TotalSeconds:0.###} s.");
            }
            return decoding.Result;
        }
        catch (AggregateException e) when (e.InnerException is { } inner && IsDecodeFailure(inner))
        {
            throw new ImageRejectedException($"the {format.Name} file is damaged or truncated: {inner.Message}");
        }
        catch (Exception e) when (IsDecodeFailure(e))
        {
            throw new ImageRejectedException($"the {format.Name} file is damaged or truncated: {e.Message}");
        }
    }

    private static Image Load(byte[] file, IImageFormat format)
    {
        Image image = format == JpegFormat.Instance ? Image.Load<Rgb24>(Decoding, file) : Image.Load<Rgba32>(Decoding, file);
        // Turned only when EXIF says so (most pictures have no orientation, and the processor is not free).
        if (image.Metadata.ExifProfile?.GetValue(SixLabors.ImageSharp.Metadata.Profiles.Exif.ExifTag.Orientation)?.Value is { } orientation && orientation > 1)
        {
            image.Mutate(x => x.AutoOrient());
        }
        return image;
    }

    /// <summary>The width and height a picture file's header declares, after the same checks as <see cref="Decode"/>.</summary>
    public static (int Width, int Height) Size(byte[] file, int maxBytes = ImageLimits.MaxFileBytes)
    {
        var info = Check(file, null, maxBytes).Info;
        return (info.Width, info.Height);
    }

    /// <summary>Everything checked before a decoder runs: bytes, format, declared type, a TIFF's directories, the header's size.</summary>
    private static (IImageFormat Format, IImageInfo Info) Check(byte[] file, string? contentType, int maxBytes)
    {
        if (file.Length > maxBytes)
        {
            throw new ImageRejectedException($"the image is {file.Length:N0} bytes; the limit is {maxBytes:N0}.");
        }
        if (file.Length == 0)
        {
            throw new ImageRejectedException($"the image file is empty; send a {Formats} file.");
        }
        var format = Image.DetectFormat(Decoding, file)
            ?? throw new ImageRejectedException($"not a {Formats} image (the first bytes match none of them).");
        var declared = contentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (declared is not null && declared.StartsWith("image/", StringComparison.Ordinal) && declared != "image/*"
            && !format.MimeTypes.Contains(declared, StringComparer.OrdinalIgnoreCase))
        {
            throw new ImageRejectedException($"the content type says {declared}, but the bytes are {format.Name}.");
        }
        if (format == TiffFormat.Instance && TiffDirectories.Problem(file) is { } tiffProblem)
        {
            throw new ImageRejectedException(tiffProblem);
        }
        try
        {
            var info = Image.Identify(Decoding, file, out _)
                ?? throw new ImageRejectedException($"the {format.Name} header could not be read.");
            if (info.Width > MaxSide || info.Height > MaxSide || (long)info.Width * info.Height > MaxPixels)
            {
                throw new ImageRejectedException(
                    $"the image is {info.Width}x{info.Height} pixels; the limit is {MaxSide} pixels a side and {MaxPixels / (1024 * 1024)} megapixels.");
            }
            return (format, info);
        }
        catch (Exception e) when (IsDecodeFailure(e))
        {
            throw new ImageRejectedException($"the {format.Name} file is damaged or truncated: {e.Message}");
        }
    }

    private static bool IsDecodeFailure(Exception e) =>
        e is ImageFormatException or InvalidMemoryOperationException or NotSupportedException or EndOfStreamException or ArgumentException or InvalidDataException;

    /// <summary>Scales to exactly width x height (the aspect ratio is not kept), with a box filter.</summary>
    public static void Resize(Image image, int width, int height) =>
        image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(width, height), Mode = ResizeMode.Stretch, Sampler = KnownResamplers.Box }));

    /// <summary>C x H x W values in [0, 1] (1 channel: grey, 3: planar RGB) as a PNG.</summary>
    public static byte[] Png(IReadOnlyList<float> values, int channels, int height, int width) =>
        Sheet([values.Select(v => (byte)Math.Round(Math.Clamp(v, 0, 1) * 255)).ToArray()], channels, height, width, columns: 1, scale: 1);

    /// <summary>
    /// A contact sheet: images (C x H x W bytes each) left to right, top to bottom, each scaled
    /// up <paramref name="scale"/> times, with a 2-pixel grey gap between them.
    /// </summary>
    public static byte[] Sheet(IReadOnlyList<byte[]> images, int channels, int height, int width, int columns, int scale)
    {
        const int Gap = 2;
        columns = Math.Clamp(columns, 1, Math.Max(1, images.Count));
        var rows = Math.Max(1, (images.Count + columns - 1) / columns);
        var tileWidth = width * scale;
        var tileHeight = height * scale;
        var gap = images.Count > 1 ? Gap : 0;
        using var sheet = new Image<Rgb24>(columns * (tileWidth + gap) - gap, rows * (tileHeight + gap) - gap, new Rgb24(128, 128, 128));
        for (var n = 0; n < images.Count; n++)
        {
            using var tile = Tile(images[n], channels, height, width);
            if (scale != 1)
            {
                tile.Mutate(x => x.Resize(tileWidth, tileHeight, KnownResamplers.NearestNeighbor));
            }
            sheet.Mutate(x => x.DrawImage(tile, new Point(n % columns * (tileWidth + gap), n / columns * (tileHeight + gap)), 1f));
        }
        using var png = new MemoryStream();
        sheet.SaveAsPng(png);
        return png.ToArray();
    }

    private static Image<Rgb24> Tile(byte[] pixels, int channels, int height, int width)
    {
        var plane = height * width;
        var tile = new Image<Rgb24>(width, height);
        for (var i = 0; i < plane; i++)
        {
            var red = pixels[i];
            tile[i % width, i / width] = channels == 3 ? new Rgb24(red, pixels[plane + i], pixels[2 * plane + i]) : new Rgb24(red, red, red);
        }
        return tile;
    }
}
