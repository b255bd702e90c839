using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Dashboard.Server.Cli;
using Dashboard.Server.Imports;
using Dashboard.Shared.Datasets;
using Microsoft.Extensions.DependencyInjection;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Tiff.Constants;
using SixLabors.ImageSharp.PixelFormats;

namespace Dashboard.IntegrationTests;

/// <summary>
/// Hostile and broken input to the import and classify endpoints, every file generated here: each gets a clear 400 or
/// 413 or a skipped file that says why, nothing is written outside the data folder, and the server keeps serving.
/// </summary>
public sealed class HostileImportTests : IDisposable
{
    private readonly TempFolder _data = new();
    private readonly TempFolder _runs = new();
    private readonly List<DashboardFactory> _factories = [];

    public HostileImportTests() => SyntheticData.WriteMnistLike(_data.Path, train: 40, test: 10);

    private (DashboardFactory Factory, HttpClient Client) Server(Dictionary<string, string>? settings = null)
    {
        var factory = new DashboardFactory(_data.Path, Path.Combine(_runs.Path, _factories.Count.ToString())) { Settings = settings ?? [] };
        _factories.Add(factory);
        return (factory, factory.CreateClient());
    }

    /// <summary>A zip of entries written as given (names, bytes), two good classes of pictures beside them unless told.</summary>
    private string Zip(string name, IEnumerable<(string Name, byte[] Bytes)> entries, bool withGoodPictures = true, Action<ZipArchiveEntry>? alter = null)
    {
        var path = _data.File(name);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            var all = withGoodPictures ? entries.Concat(SyntheticPictures.Pictures(4, seed: 5, minSide: 16, maxSide: 24, classes: 2)) : entries;
            foreach (var (entryName, bytes) in all)
            {
                var entry = zip.CreateEntry(entryName, CompressionLevel.SmallestSize);
                alter?.Invoke(entry);
                using var stream = entry.Open();
                stream.Write(bytes);
            }
        }
        return path;
    }

    private static async Task<DatasetImport> Imported(DashboardFactory factory, HttpClient client, string zip, string name)
    {
        var response = await client.PostAsync("/api/datasets", ImportApiTests.Archive(zip, Path.GetFileName(zip), ("name", name), ("width", "16"), ("channels", "3")));
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return await factory.WaitImported(name);
    }

    private static byte[] Png(int width, int height)
    {
        using var image = new Image<Rgb24>(width, height, new Rgb24(10, 200, 30));
        using var stream = new MemoryStream();
        image.SaveAsPng(stream, new PngEncoder { CompressionLevel = PngCompressionLevel.BestCompression });
        return stream.ToArray();
    }

    /// <summary>A TIFF of <paramref name="frames"/> empty directories, each pointing at the next (the last at <paramref name="lastPointsTo"/>).</summary>
    private static byte[] TiffDirectories(int frames, uint lastPointsTo = 0)
    {
        var bytes = new byte[8 + 6 * frames];
        "II*\0"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), 8);
        for (var i = 0; i < frames; i++)
        {
            var at = 8 + 6 * i;
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 2), i == frames - 1 ? lastPointsTo : (uint)(at + 6));
        }
        return bytes;
    }

    private static byte[] CcittTiff()
    {
        using var image = new Image<L8>(64, 64, new L8(255));
        using var stream = new MemoryStream();
        image.SaveAsTiff(stream, new TiffEncoder { Compression = TiffCompression.CcittGroup4Fax, BitsPerPixel = TiffBitsPerPixel.Bit1 });
        return stream.ToArray();
    }

    [Fact]
    public async Task Hostile_entries_are_skipped_each_with_its_reason_and_nothing_is_written_outside_the_dataset()
    {
        var (factory, client) = Server(new() { ["Imports:MaxPictureBytes"] = "300000" });
        var bomb = new byte[30_000_000];
        var zip = Zip("hostile.zip",
        [
            ("../escape/evil.png", Png(8, 8)),
            ("/absolute/evil.png", Png(8, 8)),
            ("back\\slash/evil.png", Png(8, 8)),
            ("link/evil.png", Encoding.UTF8.GetBytes("/etc/passwd")),
            ("bomb/zeros.png", bomb),
            ("wide/4097.png", Png(4097, 2)),
            ("claims/huge.png", ImagePredictTests.Claiming(100_000, 100_000)),
            ("frames/many.tif", TiffDirectories(65)),
            ("frames/loop.tif", TiffDirectories(2, lastPointsTo: 8)),
            ("fax/ccitt.tif", CcittTiff()),
            ("corrupt/cut.png", Png(20, 20)[..60]),
            ("text/readme.png", Encoding.UTF8.GetBytes("not a picture at all")),
            ("loose.png", Png(8, 8)),
            ("__MACOSX/circle/._0000.png", Png(8, 8)),
        ], alter: entry =>
        {
            if (entry.FullName.StartsWith("link/", StringComparison.Ordinal))
            {
                entry.ExternalAttributes = unchecked((int)(0xA1FFu << 16));
            }
        });
        var import = await Imported(factory, client, zip, "hostile");

        Assert.Equal(ImportStatus.Ready, import.Status);
        Assert.Equal(["circle", "square"], import.Report!.Classes);
        Assert.Equal(8, import.Report.TrainPerClass.Sum() + import.Report.TestPerClass.Sum());
        var reasons = import.Report.Skipped.ToDictionary(s => s.Path, s => s.Reason);
        Assert.Contains("'..'", reasons["../escape/evil.png"]);
        Assert.Contains("absolute", reasons["/absolute/evil.png"]);
        Assert.Contains("backslash", reasons["back\\slash/evil.png"]);
        Assert.Contains("a link", reasons["link/evil.png"]);
        Assert.Contains("too large", reasons["bomb/zeros.png"]);
        Assert.Contains("4097x2 pixels", reasons["wide/4097.png"]);
        Assert.Contains("100000x100000", reasons["claims/huge.png"]);
        Assert.Contains("more than 64 frames", reasons["frames/many.tif"]);
        Assert.Contains("loop", reasons["frames/loop.tif"]);
        Assert.Contains("CCITT", reasons["fax/ccitt.tif"]);
        Assert.Contains("damaged or truncated", reasons["corrupt/cut.png"]);
        Assert.Contains("not a PNG", reasons["text/readme.png"]);
        Assert.Contains("not in a class folder", reasons["loose.png"]);
        Assert.Contains("hidden or system", reasons["__MACOSX/circle/._0000.png"]);
        // Classes whose every picture was refused are reported as such, not made classes.
        Assert.Contains("no readable picture", reasons["wide/"]);
        foreach (var escaped in new[] { "escape", "absolute", "evil.png" })
        {
            Assert.False(Directory.Exists(Path.Combine(Path.GetDirectoryName(_data.Path)!, escaped)) || File.Exists(Path.Combine(_data.Path, escaped)));
        }
        Assert.Equal(["hostile"], Directory.GetDirectories(Path.Combine(_data.Path, "imported")).Select(Path.GetFileName).Where(n => !n!.StartsWith('.')));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_zip_bomb_by_compression_ratio_is_skipped_and_one_by_total_size_or_entry_count_is_refused_at_once()
    {
        var (factory, client) = Server(new() { ["Imports:MaxUnpackedBytes"] = "20000000", ["Imports:MaxEntries"] = "40" });
        var ratio = Zip("ratio.zip", [("zeros/a.png", new byte[5_000_000])]);
        var import = await Imported(factory, client, ratio, "ratio");
        Assert.Contains(import.Report!.Skipped, s => s.Path == "zeros/a.png" && s.Reason.Contains("to 1, above the limit"));

        var noise = new byte[5_000_000];
        new Random(1).NextBytes(noise);
        var total = Zip("total.zip", [.. Enumerable.Range(0, 5).Select(i => ($"noise/{i}.png", noise))]);
        var refused = await client.PostAsync("/api/datasets", ImportApiTests.Archive(total, "total.zip", ("name", "total")));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("unpacks to more than", await refused.Content.ReadAsStringAsync());

        var many = Zip("many.zip", [.. Enumerable.Range(0, 50).Select(i => ($"c{i % 2}/{i}.png", Png(4, 4)))], withGoodPictures: false);
        var crowded = await client.PostAsync("/api/datasets", ImportApiTests.Archive(many, "many.zip", ("name", "many")));
        Assert.Equal(HttpStatusCode.BadRequest, crowded.StatusCode);
        Assert.Contains("50 entries; the limit is 40", await crowded.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Uploads_over_the_limit_not_zips_bad_csvs_and_cut_bodies_get_a_clear_4xx()
    {
        var (_, client) = Server(new() { ["Imports:MaxUploadBytes"] = "100000" });
        var big = Zip("big.zip", [("noise/a.png", Encoding.UTF8.GetBytes(new string('x', 10)))]);
        await File.WriteAllBytesAsync(big, [.. await File.ReadAllBytesAsync(big), .. new byte[200_000]]);
        var tooLarge = await client.PostAsync("/api/datasets", ImportApiTests.Archive(big, "big.zip", ("name", "big")));
        Assert.True(tooLarge.StatusCode == HttpStatusCode.RequestEntityTooLarge, await tooLarge.Content.ReadAsStringAsync());

        var notZip = _data.File("not.zip");
        await File.WriteAllTextAsync(notZip, "this is not an archive");
        var refused = await client.PostAsync("/api/datasets", ImportApiTests.Archive(notZip, "not.zip", ("name", "notzip")));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("neither a zip archive nor a .csv", await refused.Content.ReadAsStringAsync());

        var fakeZip = _data.File("fake.zip");
        await File.WriteAllBytesAsync(fakeZip, [(byte)'P', (byte)'K', 3, 4, .. new byte[500]]);
        var damaged = await client.PostAsync("/api/datasets", ImportApiTests.Archive(fakeZip, "fake.zip", ("name", "fake")));
        Assert.Equal(HttpStatusCode.BadRequest, damaged.StatusCode);
        Assert.Contains("not a zip archive", await damaged.Content.ReadAsStringAsync());

        var csv = _data.File("digits.csv");
        await File.WriteAllTextAsync(csv, "pixel0,pixel1,pixel2,pixel3\n1,2,3,4\n");
        var badCsv = await client.PostAsync("/api/datasets", ImportApiTests.Archive(csv, "digits.csv", ("name", "csv")));
        Assert.Equal(HttpStatusCode.BadRequest, badCsv.StatusCode);
        Assert.Contains("first column must be 'label'", await badCsv.Content.ReadAsStringAsync());

        foreach (var path in new[] { "/api/datasets", "/api/datasets/uploads", "/api/runs/1/classify", "/api/runs/-1/predict" })
        {
            var cut = new ByteArrayContent(Encoding.ASCII.GetBytes("--b\r\nContent-Disposition: form-data; name=\"archive\"; filename=\"a.zip\"\r\n\r\nPK\u0003\u0004partial"));
            cut.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");
            var response = await client.PostAsync(path, cut);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_decode_over_its_time_fails_the_picture_and_an_import_left_with_no_class_fails_saying_why()
    {
        var (factory, client) = Server(new() { ["Imports:DecodeSeconds"] = "0.000001" });
        var zip = Zip("slow.zip", [("big/a.png", Png(1500, 1500)), ("big/b.png", Png(1500, 1400))], withGoodPictures: false);
        var import = await Imported(factory, client, zip, "slow");
        Assert.Equal(ImportStatus.Failed, import.Status);
        Assert.Contains("found 0 class(es)", import.Error);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/datasets/slow")).StatusCode);
        var survey = await client.PostAsync("/api/datasets/uploads", ImportApiTests.Archive(zip, "slow.zip"));
        Assert.Contains("took longer than", await survey.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_kaggle_csv_imports_as_grey_square_pictures_with_a_bad_row_skipped()
    {
        var (factory, client) = Server();
        var csv = new StringBuilder("label," + string.Join(",", Enumerable.Range(0, 64).Select(i => $"pixel{i}")) + "\n");
        var random = new Random(4);
        for (var row = 0; row < 40; row++)
        {
            var label = row % 2;
            csv.AppendLine($"{label}," + string.Join(",", Enumerable.Range(0, 64).Select(i => (i % 8 < 4) == (label == 0) ? 200 + random.Next(50) : random.Next(30))));
        }
        csv.AppendLine("1," + string.Join(",", Enumerable.Range(0, 64).Select(i => i == 5 ? "300" : "0")));
        var file = _data.File("kaggle.csv");
        await File.WriteAllTextAsync(file, csv.ToString());
        var response = await client.PostAsync("/api/datasets", ImportApiTests.Archive(file, "kaggle.csv", ("name", "kaggle")));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var import = await factory.WaitImported("kaggle");
        Assert.Equal(ImportStatus.Ready, import.Status);
        Assert.Equal(new PictureFormat(8, 8, 1, PictureResize.Squash, false, PictureBackground.White), import.Format);
        Assert.Equal(["0", "1"], import.Report!.Classes);
        Assert.Equal(40, import.Report.TrainPerClass.Sum() + import.Report.TestPerClass.Sum());
        Assert.Equal("row 42", Assert.Single(import.Report.Skipped).Path);
        Assert.Contains("pixel5 is '300'", import.Report.Skipped[0].Reason);
    }

    [Fact]
    public async Task Two_imports_under_one_name_at_once_the_second_is_a_conflict()
    {
        var (factory, client) = Server();
        var zip = Zip("pair.zip", [], withGoodPictures: true);
        var imports = factory.Services.GetRequiredService<DatasetImports>();
        using var release = new ManualResetEventSlim();
        using var reached = new ManualResetEventSlim();
        void Hold(DatasetImport import)
        {
            if (import.Status == ImportStatus.Importing && !reached.IsSet)
            {
                reached.Set();
                release.Wait(TimeSpan.FromMinutes(1));
            }
        }
        imports.Changed += Hold;
        try
        {
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsync("/api/datasets", ImportApiTests.Archive(zip, "pair.zip", ("name", "pair")))).StatusCode);
            Assert.True(reached.Wait(TimeSpan.FromMinutes(1)));
            var second = await client.PostAsync("/api/datasets", ImportApiTests.Archive(zip, "pair.zip", ("name", "pair")));
            Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
            Assert.Equal(HttpStatusCode.Conflict, (await client.DeleteAsync("/api/datasets/pair")).StatusCode);
        }
        finally
        {
            release.Set();
            imports.Changed -= Hold;
        }
        Assert.Equal(ImportStatus.Ready, (await factory.WaitImported("pair")).Status);
    }

    public void Dispose()
    {
        foreach (var factory in _factories)
        {
            factory.Dispose();
        }
        _data.Dispose();
        _runs.Dispose();
    }
}
