using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dashboard.Server.Inference;
using Dashboard.Shared.Inference;
using Dashboard.Shared.Runs;
using Microsoft.Extensions.DependencyInjection;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace Dashboard.IntegrationTests;

/// <summary>Image files to the predict API and the PNG endpoints, well-formed and hostile, all generated here.</summary>
public sealed class ImagePredictTests(ITestOutputHelper output) : ApiTestBase(train: 200, test: 40)
{
    private async Task<RunRecord> TrainedRun()
    {
        var created = await (await Client.PostAsJsonAsync("/api/runs", RunsApiTests.Tiny(epochs: 1, model: "cnn-small"))).Content.ReadFromJsonAsync<RunRecord>(RunsApiTests.Json);
        return await Factory.WaitFinished(created!.Id);
    }

    /// <summary>A dark digit "1" on white paper, as a photo of one would be.</summary>
    private static Image<Rgb24> DarkOne(int width = 120, int height = 160)
    {
        var image = new Image<Rgb24>(width, height, new Rgb24(255, 255, 255));
        for (var y = height / 8; y < height * 7 / 8; y++)
        {
            for (var x = width / 2 - 7; x < width / 2 + 7; x++)
            {
                image[x, y] = new Rgb24(0, 0, 0);
            }
        }
        return image;
    }

    private static byte[] Encode(Image image, Action<Image, Stream> save)
    {
        using var stream = new MemoryStream();
        save(image, stream);
        return stream.ToArray();
    }

    private static byte[] Png(Image image) => Encode(image, (i, s) => i.SaveAsPng(s));

    private static ByteArrayContent Body(byte[] bytes, string type) => new(bytes) { Headers = { ContentType = new MediaTypeHeaderValue(type) } };

    private static async Task<(Prediction Prediction, JsonElement Json)> Answer(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return (JsonSerializer.Deserialize<Prediction>(text, RunsApiTests.Json)!, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task A_png_as_the_body_as_a_form_field_and_through_the_pages_pipeline_gets_one_answer_with_the_image_the_model_saw()
    {
        var run = await TrainedRun();
        using var picture = DarkOne();
        var png = Png(picture);

        var (asBody, json) = await Answer(await Client.PostAsync($"/api/runs/{run.Id}/predict", Body(png, "image/png")));
        using var form = new MultipartFormDataContent { { Body(png, "image/png"), "image", "one.png" } };
        var (asForm, _) = await Answer(await Client.PostAsync($"/api/runs/{run.Id}/predict", form));
        // The Draw page calls the same service with the uploaded file's bytes.
        var page = Factory.Services.GetRequiredService<IDigitClassifier>().ClassifyUpload(run.Id, png, "image/png");

        Assert.Equal(asBody.Probabilities, asForm.Probabilities);
        Assert.Equal(asBody.Probabilities, page.Drawing.Prediction.Probabilities);
        Assert.Equal(asBody.Class, page.Drawing.Prediction.Class);

        // The image the model saw: 28x28, bright ink in the middle column on black, as the page's preview shows it.
        using var seen = Image.Load<L8>(asBody.InputPng);
        Assert.Equal((28, 28), (seen.Width, seen.Height));
        Assert.True(seen[14, 14].PackedValue > 128, $"centre {seen[14, 14].PackedValue}");
        Assert.Equal(0, seen[1, 1].PackedValue);
        Assert.Equal(page.Drawing.Input.Select(v => (byte)Math.Round(v * 255)), Enumerable.Range(0, 784).Select(i => seen[i % 28, i / 28].PackedValue));
        Assert.Equal(JsonValueKind.String, json.GetProperty("inputPng").ValueKind);

        // The lossless formats give exactly the same answer for the same picture; JPEG nearly the same image.
        foreach (var (bytes, type) in new[] { (Encode(picture, (i, s) => i.SaveAsBmp(s)), "image/bmp"), (Encode(picture, (i, s) => i.SaveAsGif(s)), "image/gif") })
        {
            var (other, _) = await Answer(await Client.PostAsync($"/api/runs/{run.Id}/predict", Body(bytes, type)));
            Assert.Equal(asBody.Probabilities, other.Probabilities);
        }
        var jpeg = Factory.Services.GetRequiredService<IDigitClassifier>().ClassifyUpload(run.Id, Encode(picture, (i, s) => i.SaveAsJpeg(s)), "image/jpeg");
        var difference = jpeg.Drawing.Input.Zip(page.Drawing.Input, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(difference < 0.02, $"mean difference {difference}");
    }

    [Fact]
    public async Task An_animated_gif_is_read_by_its_first_frame()
    {
        var run = await TrainedRun();
        using var first = DarkOne().CloneAs<Rgba32>();
        using var animation = first.Clone();
        using (var second = new Image<Rgba32>(first.Width, first.Height, new Rgba32(0, 0, 0)))
        {
            animation.Frames.AddFrame(second.Frames.RootFrame);
        }
        Assert.Equal(2, animation.Frames.Count);
        var gif = Encode(animation, (i, s) => i.SaveAsGif(s, new GifEncoder()));

        var (animated, _) = await Answer(await Client.PostAsync($"/api/runs/{run.Id}/predict", Body(gif, "image/gif")));
        var (alone, _) = await Answer(await Client.PostAsync($"/api/runs/{run.Id}/predict", Body(Encode(first, (i, s) => i.SaveAsGif(s)), "image/gif")));
        Assert.Equal(alone.Probabilities, animated.Probabilities);
    }

    // The PNG CRC-32 (ISO 3309), written here because a header with a false size needs its chunk's CRC redone.
    private static uint Crc32(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }
        return ~crc;
    }

    /// <summary>A tiny, valid PNG whose header claims width x height.</summary>
    internal static byte[] Claiming(int width, int height)
    {
        using var small = new Image<L8>(8, 8);
        var png = Png(small);
        // Signature (8), then IHDR: length (4), type (4), width (4), height (4), ..., CRC over type and data.
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), width);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), height);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), Crc32(png.AsSpan(12, 17)));
        return png;
    }

    public static TheoryData<string, string, int, string> Hostile() => new()
    {
        { "claims 100000x100000", "image/png", 400, "100000x100000" },
        { "4097x1", "image/png", 400, "4097x1" },
        { "truncated", "image/png", 400, "damaged or truncated" },
        { "corrupt", "image/png", 400, "damaged or truncated" },
        { "jpeg sent as png", "image/png", 400, "the bytes are JPEG" },
        { "text sent as png", "image/png", 400, "not a PNG, JPEG, BMP, GIF, TIFF or WebP image" },
        { "empty", "image/png", 400, "empty" },
        { "9 MiB", "image/png", 413, "limited to 8 MiB" },
        { "png as text", "text/plain", 400, "send JSON" },
    };

    private static byte[] File(string name)
    {
        var random = new Random(7);
        switch (name)
        {
            case "claims 100000x100000":
                return Claiming(100_000, 100_000);
            case "4097x1":
                using (var wide = new Image<L8>(4097, 1))
                {
                    return Png(wide);
                }
            case "truncated":
                using (var noise = new Image<Rgb24>(200, 200))
                {
                    noise.ProcessPixelRows(rows =>
                    {
                        for (var y = 0; y < rows.Height; y++)
                        {
                            random.NextBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(rows.GetRowSpan(y)));
                        }
                    });
                    var whole = Png(noise);
                    return whole[..(whole.Length / 2)];
                }
            case "corrupt":
                var corrupt = Claiming(64, 64);
                random.NextBytes(corrupt.AsSpan(33));
                return corrupt;
            case "jpeg sent as png":
                using (var one = DarkOne())
                {
                    return Encode(one, (i, s) => i.SaveAsJpeg(s));
                }
            case "text sent as png":
                return "this is not a picture"u8.ToArray();
            case "empty":
                return [];
            case "9 MiB":
                var big = new byte[9 * 1024 * 1024];
                Claiming(64, 64).CopyTo(big, 0);
                return big;
            default:
                using (var digit = DarkOne())
                {
                    return Png(digit);
                }
        }
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task A_hostile_image_is_refused_with_a_message_in_bounded_memory(string name, string type, int status, string message)
    {
        var run = await TrainedRun();
        var file = File(name);
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var response = await Client.PostAsync($"/api/runs/{run.Id}/predict", Body(file, type));
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var text = await response.Content.ReadAsStringAsync();

        output.WriteLine($"{name}: {file.Length:N0} bytes -> {(int)response.StatusCode}, {allocated / 1048576.0:F1} MiB allocated while answering; {text}");
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Contains(message, text);
        // Nothing close to decoding what a header claims (100000x100000 would be 40 GB).
        Assert.True(allocated < 64L * 1024 * 1024 + 4L * file.Length, $"{allocated:N0} bytes allocated");
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task A_form_without_the_image_field_and_a_non_image_form_file_are_refused()
    {
        var run = await TrainedRun();
        using var noField = new MultipartFormDataContent { { new StringContent("x"), "other" } };
        var response = await Client.PostAsync($"/api/runs/{run.Id}/predict", noField);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("field 'image'", await response.Content.ReadAsStringAsync());

        using var text = new MultipartFormDataContent { { Body("hello"u8.ToArray(), "text/plain"), "image", "a.txt" } };
        response = await Client.PostAsync($"/api/runs/{run.Id}/predict", text);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not a PNG, JPEG, BMP, GIF, TIFF or WebP image", await response.Content.ReadAsStringAsync());

        using var picture = DarkOne();
        Assert.Equal(HttpStatusCode.NotFound, (await Client.PostAsync("/api/runs/999/predict", Body(Png(picture), "image/png"))).StatusCode);
    }

    [Fact]
    public async Task Sample_grids_confusion_cells_and_mistakes_come_as_png_sheets_of_the_json_answers_images()
    {
        var run = await TrainedRun();
        var samples = await Client.GetAsync("/api/datasets/mnist/samples.png?count=12&seed=3");
        Assert.Equal("image/png", samples.Content.Headers.ContentType?.MediaType);
        using (var sheet = Image.Load<Rgb24>(await samples.Content.ReadAsByteArrayAsync()))
        {
            // 10 a row, each 28x28 shown at 56x56 with 2-pixel gaps: 2 rows.
            Assert.Equal((10 * 58 - 2, 2 * 58 - 2), (sheet.Width, sheet.Height));
            var json = await Client.GetFromJsonAsync<List<Dashboard.Shared.Datasets.DatasetImage>>("/api/datasets/mnist/samples?count=12&seed=3", RunsApiTests.Json);
            // The first tile's top-left pixel is the first image's.
            Assert.Equal(json![0].Pixels[0], sheet[0, 0].R);
            Assert.Equal(json[11].Pixels[27], sheet[58 + 27 * 2, 58].R);
        }

        var mistakes = await Client.GetFromJsonAsync<List<TestExample>>($"/api/runs/{run.Id}/mistakes?limit=5", RunsApiTests.Json);
        var sheetResponse = await Client.GetAsync($"/api/runs/{run.Id}/mistakes.png?limit=5");
        Assert.Equal(HttpStatusCode.OK, sheetResponse.StatusCode);
        using (var sheet = Image.Load<Rgb24>(await sheetResponse.Content.ReadAsByteArrayAsync()))
        {
            Assert.Equal(Math.Max(1, mistakes!.Count) * 58 - (mistakes.Count > 1 ? 2 : 0), sheet.Width);
        }

        var cell = await Client.GetAsync($"/api/runs/{run.Id}/confusion/1/1.png?limit=3");
        Assert.Equal(HttpStatusCode.OK, cell.StatusCode);
        Assert.Equal("image/png", cell.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync($"/api/runs/{run.Id}/confusion/1/12.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/runs/999/mistakes.png")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/datasets/nope/samples.png")).StatusCode);
    }
}
