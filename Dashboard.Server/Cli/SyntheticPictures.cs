using System.IO.Compression;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.PixelFormats;

namespace Dashboard.Server.Cli;

/// <summary>
/// Pictures made here for the import benchmark and the tests (the project ships no pictures): ten classes of coloured
/// shapes on varied backgrounds, in mixed sizes, positions and formats, written by ImageSharp 2.1.13 (which writes
/// every format it reads).
/// </summary>
public static class SyntheticPictures
{
    public static readonly string[] Shapes = ["circle", "square", "triangle", "cross", "ring", "hbar", "vbar", "diamond", "x", "dots"];

    /// <summary>The file formats the pictures cycle through, with their extensions.</summary>
    public static readonly (string Extension, IImageEncoder Encoder)[] Formats =
    [
        (".png", new PngEncoder()), (".jpg", new JpegEncoder { Quality = 90 }), (".bmp", new BmpEncoder()),
        (".gif", new GifEncoder()), (".tif", new TiffEncoder()), (".webp", new WebpEncoder()),
    ];

    /// <summary>One picture of a shape class: a random background (flat or a gradient), the shape in a contrasting colour.</summary>
    public static Image<Rgb24> Draw(int shape, int width, int height, Random random)
    {
        var back = RandomColour(random);
        var ink = RandomColour(random);
        // Any colours, but the shape stands out in brightness as well as in hue.
        while (Math.Abs(Luma(back) - Luma(ink)) < 90)
        {
            ink = RandomColour(random);
        }
        var gradient = random.Next(2) == 0;
        var radius = Math.Min(width, height) * (0.25 + 0.15 * random.NextDouble());
        var cx = width / 2.0 + (random.NextDouble() - 0.5) * (width - 2 * radius) * 0.8;
        var cy = height / 2.0 + (random.NextDouble() - 0.5) * (height - 2 * radius) * 0.8;
        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var u = (x + 0.5 - cx) / radius;
                var v = (y + 0.5 - cy) / radius;
                var shade = gradient ? 0.75 + 0.25 * y / height : 1.0;
                image[x, y] = Inside(shape, u, v) ? ink : new Rgb24((byte)(back.R * shade), (byte)(back.G * shade), (byte)(back.B * shade));
            }
        }
        return image;
    }

    /// <summary>Whether (u, v), in units of the shape's radius from its centre, is inside the shape.</summary>
    private static bool Inside(int shape, double u, double v)
    {
        var (au, av, r) = (Math.Abs(u), Math.Abs(v), Math.Sqrt(u * u + v * v));
        return shape switch
        {
            0 => r < 1,
            1 => au < 0.8 && av < 0.8,
            2 => v < 0.8 && v > -0.9 && au < (v + 0.9) * 0.6,
            3 => (au < 0.25 && av < 1) || (av < 0.25 && au < 1),
            4 => r < 1 && r > 0.6,
            5 => av < 0.3 && au < 1,
            6 => au < 0.3 && av < 1,
            7 => au + av < 1,
            8 => (Math.Abs(u - v) < 0.3 || Math.Abs(u + v) < 0.3) && au < 0.85 && av < 0.85,
            _ => au < 1 && av < 1 && Math.Sqrt(Math.Pow(u - Math.Round(u * 1.5) / 1.5, 2) + Math.Pow(v - Math.Round(v * 1.5) / 1.5, 2)) < 0.22,
        };
    }

    private static Rgb24 RandomColour(Random random) => new((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));

    private static double Luma(Rgb24 c) => 0.299 * c.R + 0.587 * c.G + 0.114 * c.B;

    /// <summary>Writes class folders (CLASS/NNNN.ext) of <paramref name="perClass"/> pictures each into a new zip, sizes from <paramref name="minSide"/> to <paramref name="maxSide"/>.</summary>
    public static void WriteZip(string path, int perClass, int seed, int minSide = 24, int maxSide = 96, int classes = 10,
        (string Extension, IImageEncoder Encoder)? format = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.Delete(path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, bytes) in Pictures(perClass, seed, minSide, maxSide, classes, format))
        {
            var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
            using var stream = entry.Open();
            stream.Write(bytes);
        }
    }

    /// <summary>Writes the same pictures as files below <paramref name="folder"/>.</summary>
    public static void WriteFolder(string folder, int perClass, int seed, int minSide = 24, int maxSide = 96, int classes = 10,
        (string Extension, IImageEncoder Encoder)? format = null)
    {
        foreach (var (name, bytes) in Pictures(perClass, seed, minSide, maxSide, classes, format))
        {
            var file = Path.Combine(folder, name);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllBytes(file, bytes);
        }
    }

    /// <summary>The pictures as (CLASS/NNNN.ext, file bytes), class by class; every format in turn unless one is given.</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> Pictures(int perClass, int seed, int minSide, int maxSide, int classes = 10,
        (string Extension, IImageEncoder Encoder)? format = null)
    {
        var random = new Random(seed);
        for (var c = 0; c < classes; c++)
        {
            for (var i = 0; i < perClass; i++)
            {
                // Mixed sizes, near-square: a squashed picture keeps its shape recognisable (a square does not become a bar).
                var width = random.Next(minSide, maxSide + 1);
                var height = Math.Clamp((int)Math.Round(width * (0.8 + 0.45 * random.NextDouble())), minSide, maxSide);
                using var image = Draw(c % Shapes.Length, width, height, random);
                var (extension, encoder) = format ?? Formats[(c + i) % Formats.Length];
                using var stream = new MemoryStream();
                image.Save(stream, encoder);
                yield return ($"{Shapes[c % Shapes.Length]}/{i:D4}{extension}", stream.ToArray());
            }
        }
    }
}
