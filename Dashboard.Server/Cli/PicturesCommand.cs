using System.CommandLine;

namespace Dashboard.Server.Cli;

/// <summary>
/// Makes a set of pictures to import when you have none at hand (and for the import benchmark):
/// <c>dotnet run --project Dashboard.Server -- pictures shapes.zip</c>. Ten classes of coloured shapes on varied
/// backgrounds, in mixed sizes and formats, as class folders in a zip (a path ending in .zip) or a folder.
/// </summary>
public static class PicturesCommand
{
    public static int Run(string[] args, TextWriter? output = null, TextWriter? error = null) =>
        Verbs.Invoke(args, output, error, (output, error) => Command(output, error));

    /// <summary>The verb's options and action (Run parses and invokes it; the docs' test parses every documented command).</summary>
    public static RootCommand Command(TextWriter output, TextWriter error)
    {
        var path = new Argument<string>("PATH") { Description = "Where to write: a .zip file, or a folder." };
        var perClass = new Option<int>("--per-class") { Description = "Pictures per class.", DefaultValueFactory = _ => 300 };
        var classes = new Option<int>("--classes") { Description = $"Classes (1 to {SyntheticPictures.Shapes.Length}).", DefaultValueFactory = _ => SyntheticPictures.Shapes.Length };
        var seed = new Option<int>("--seed") { Description = "The seed of the pictures.", DefaultValueFactory = _ => 1 };
        var minSide = new Option<int>("--min-side") { Description = "The smallest width or height, in pixels.", DefaultValueFactory = _ => 24 };
        var maxSide = new Option<int>("--max-side") { Description = "The largest width or height, in pixels.", DefaultValueFactory = _ => 96 };
        var format = new Option<string>("--format") { Description = "mixed (PNG, JPEG, BMP, GIF, TIFF, WebP in turn) or one of png, jpg, bmp, gif, tif, webp.", DefaultValueFactory = _ => "mixed" };
        var command = new RootCommand("Make a set of pictures to import: coloured shapes, one folder per class.")
        {
            path, perClass, classes, seed, minSide, maxSide, format,
        };
        command.SetAction(parse =>
        {
            var (count, kinds, min, max, kind) = (parse.GetValue(perClass), parse.GetValue(classes), parse.GetValue(minSide), parse.GetValue(maxSide), parse.GetValue(format)!);
            var single = SyntheticPictures.Formats.Where(f => f.Extension.TrimStart('.') == kind).Select(f => ((string, SixLabors.ImageSharp.Formats.IImageEncoder)?)f).FirstOrDefault();
            if (count < 1 || kinds < 1 || kinds > SyntheticPictures.Shapes.Length || min < 4 || max < min || max > 4096 || (kind != "mixed" && single is null))
            {
                error.WriteLine($"error: need --per-class of at least 1, --classes from 1 to {SyntheticPictures.Shapes.Length}, 4 <= --min-side <= --max-side <= 4096, and a known --format.");
                return 2;
            }
            var target = parse.GetValue(path)!;
            if (target.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
            {
                SyntheticPictures.WriteZip(target, count, parse.GetValue(seed), min, max, kinds, single);
            }
            else
            {
                SyntheticPictures.WriteFolder(target, count, parse.GetValue(seed), min, max, kinds, single);
            }
            output.WriteLine($"pictures: {count * kinds:N0} pictures of {kinds} classes ({string.Join(", ", SyntheticPictures.Shapes.Take(kinds))}) in {Path.GetFullPath(target)}");
            return 0;
        });
        return command;
    }
}
