using System.IO.Compression;
using Dashboard.Server.Cli;
using Dashboard.Server.Imports;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Runs;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace Dashboard.IntegrationTests;

/// <summary>Pictures made here (coloured shapes, every format ImageSharp reads) imported as datasets, by the importer and the import verb.</summary>
public sealed class ImportTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder _temp = new();

    private DatasetCatalog Catalog => new(_temp.File("data"));

    [Fact]
    public void The_import_verb_imports_a_zip_of_class_folders_in_mixed_formats_and_sizes_and_a_preset_trains_on_it()
    {
        var zip = _temp.File("shapes.zip");
        SyntheticPictures.WriteZip(zip, perClass: 12, seed: 1);
        var console = new StringWriter();
        var error = new StringWriter();

        var exit = ImportCommand.Run([zip, "--name", "shapes", "--data", _temp.File("data")], console, error, interactive: false);

        output.WriteLine(console.ToString());
        Assert.True(exit == 0, error.ToString());
        var info = Catalog.Find("shapes")!;
        Assert.True(info.Imported);
        Assert.Equal(SyntheticPictures.Shapes.Order(StringComparer.Ordinal), info.Classes);
        // Colour pictures, median size of 24-96 px sides: RGB, capped at 64 px.
        Assert.Equal(3, info.Shape.Dims[0]);
        Assert.InRange(info.Shape.Dims[1], 40, 64);
        var manifest = Catalog.Imported.Find("shapes")!;
        Assert.Equal(120, manifest.Train + manifest.Test);
        Assert.All(manifest.Report.TestPerClass, n => Assert.InRange(n, 2, 3));
        Assert.Empty(manifest.Report.Skipped);
        Assert.Contains("ready", console.ToString());

        var result = new Trainer(Catalog).Run(new RunConfig { Dataset = "shapes", Model = "cnn-small", Epochs = 1, BatchSize = 16, Device = "cpu" }, new NullObserver());
        Assert.Equal(manifest.Test, result.Test.Images);
        Assert.Equal(10, result.Test.Classes.Count);
    }

    private sealed class NullObserver : ITrainingObserver;

    public void Dispose() => _temp.Dispose();
}
