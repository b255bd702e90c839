using System.Text.RegularExpressions;
using Dashboard.Shared.Runs;
using Microsoft.Playwright;

namespace Dashboard.BrowserTests;

public class DrawPageTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly object TinyCnn = new { model = "cnn-small", epochs = 1, batchSize = 8, device = "cpu" };

    [Fact]
    public async Task Drawing_a_stroke_with_the_mouse_shows_a_prediction_and_the_28x28_preview_and_clear_empties_it()
    {
        await using var server = new RunningServer();
        Assert.Equal(RunStatus.Completed, (await server.Train(TinyCnn)).Status);

        var page = await server.Open(browser.Browser, "/draw");
        await Assertions.Expect(page.GetByTestId("draw-hint")).ToHaveTextAsync("Draw a digit");
        await Drawing.Stroke(page, Drawing.Line(140, 50, 140, 230));

        await Assertions.Expect(page.GetByTestId("predicted")).ToHaveTextAsync(new Regex(@"^[0-9]$"));
        await Assertions.Expect(page.GetByTestId("probabilities").Locator(".probability-row")).ToHaveCountAsync(10);
        await Assertions.Expect(page.GetByTestId("preview")).ToHaveAttributeAsync("data-filled", "true");
        await Assertions.Expect(page.GetByTestId("model-sees")).ToHaveTextAsync("What the model sees (1x28x28)");

        await page.GetByTestId("clear").ClickAsync();
        await Assertions.Expect(page.GetByTestId("draw-hint")).ToHaveTextAsync("Draw a digit");
    }

    [Fact]
    public async Task After_pen_up_the_xray_shows_five_attributions_and_every_layer_and_a_channels_filter_on_request()
    {
        await using var server = new RunningServer();
        await server.Train(TinyCnn);
        var page = await server.Open(browser.Browser, "/draw");
        await Drawing.Stroke(page, Drawing.Line(140, 50, 140, 230));

        // Gradient, gradient x input and Grad-CAM while drawing; SmoothGrad and integrated gradients once the pen is up.
        await Assertions.Expect(page.GetByTestId("attributions").Locator("figcaption")).ToHaveCountAsync(5);
        await Assertions.Expect(page.GetByTestId("attributions").Locator("figcaption").Last).ToContainTextAsync("% off");
        await Assertions.Expect(page.GetByTestId("xray-layer")).ToHaveCountAsync(TinyCnnLayers);
        await page.GetByTestId("filter-button").First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("filter-kernels").Locator("figcaption")).ToHaveTextAsync(["in 0"]);
        // The test images (10 here) on the embedding map, and the drawing placed among them.
        await page.GetByTestId("show-embedding").ClickAsync();
        await Assertions.Expect(page.GetByTestId("embedding-chart")).ToHaveAttributeAsync("data-points", "10");
        await Assertions.Expect(page.GetByTestId("embedding-chart")).ToHaveAttributeAsync("data-placed", new Regex(@"^-?\d+\.\d{3},-?\d+\.\d{3}$"));

        // The run kept its one epoch's weights: the scrubber shows them as the final ones.
        await Assertions.Expect(page.GetByTestId("epoch-label")).ToHaveTextAsync("Weights after epoch 1 of 1 (final)");

        // Explaining the predicted class against another keeps the five maps.
        var other = (int.Parse((await page.GetByTestId("predicted").TextContentAsync())!) + 1) % 10;
        await page.GetByTestId("explain-other").SelectOptionAsync(other.ToString());
        await Assertions.Expect(page.GetByTestId("xray")).ToContainTextAsync($"rather than {other}");
        await Assertions.Expect(page.GetByTestId("attributions").Locator("figcaption")).ToHaveCountAsync(5);
    }

    private static int TinyCnnLayers => Dashboard.Server.Training.Networks.NetworkPresets.Find("cnn-small")!.Layers.Count;

    [Fact]
    public async Task A_drawing_saved_with_its_right_label_is_listed_and_can_be_deleted()
    {
        await using var server = new RunningServer();
        await server.Train(TinyCnn);
        var page = await server.Open(browser.Browser, "/draw");
        await Assertions.Expect(page.GetByTestId("sample-count")).ToHaveTextAsync("0");
        await Drawing.Stroke(page, Drawing.Line(100, 60, 180, 220));
        await Assertions.Expect(page.GetByTestId("predicted")).ToHaveTextAsync(new Regex(@"^[0-9]$"));

        await page.GetByTestId("sample-label").SelectOptionAsync("4");
        await page.GetByTestId("save-sample").ClickAsync();
        await Assertions.Expect(page.GetByTestId("sample-saved")).ToContainTextAsync("Saved as sample #1 (4)");
        await Assertions.Expect(page.GetByTestId("sample-count")).ToHaveTextAsync("1");
        await Assertions.Expect(page.GetByTestId("sample-grid").Locator("figcaption")).ToHaveTextAsync(["4"]);

        await page.GetByTestId("delete-sample").ClickAsync();
        await Assertions.Expect(page.GetByTestId("sample-count")).ToHaveTextAsync("0");
    }

    [Fact]
    public async Task An_uploaded_png_of_a_dark_digit_on_white_paper_gets_the_predict_apis_answer_for_the_same_file_and_becomes_the_pads_ink()
    {
        await using var server = new RunningServer();
        var run = await server.Train(TinyCnn);
        var page = await server.Open(browser.Browser, "/draw");
        // A photo-like picture: a black "1" on white, made by the browser itself.
        var dataUrl = await page.EvaluateAsync<string>("""
            () => {
              const c = document.createElement("canvas"); c.width = 120; c.height = 160;
              const x = c.getContext("2d");
              x.fillStyle = "#fff"; x.fillRect(0, 0, 120, 160);
              x.strokeStyle = "#000"; x.lineWidth = 14; x.beginPath(); x.moveTo(60, 20); x.lineTo(60, 140); x.stroke();
              return c.toDataURL("image/png");
            }
            """);
        await page.Locator("[data-testid=draw-canvas][data-ready=true]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        var png = Convert.FromBase64String(dataUrl[(dataUrl.IndexOf(',') + 1)..]);
        await page.GetByTestId("upload").SetInputFilesAsync(new FilePayload { Name = "one.png", MimeType = "image/png", Buffer = png });

        // The same file through the predict API, as curl would send it.
        using var client = server.Factory.CreateClient();
        var response = await client.PostAsync($"/api/runs/{run.Id}/predict", new ByteArrayContent(png) { Headers = { { "Content-Type", "image/png" } } });
        using var answer = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var shown = answer.RootElement.GetProperty("probabilities").EnumerateArray().Select(p => p.GetSingle().ToString("P1", System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        await Assertions.Expect(page.GetByTestId("predicted")).ToHaveTextAsync(answer.RootElement.GetProperty("label").GetString()!);
        await Assertions.Expect(page.GetByTestId("probabilities").Locator(".probability-row > span:last-child")).ToHaveTextAsync(shown);
        await Assertions.Expect(page.GetByTestId("preview")).ToHaveAttributeAsync("data-filled", "true");
        // The picture became bright ink on the canvas: its centre column is inked, its corner is not. The pad draws it
        // after the render that carries the prediction: wait until the centre is inked.
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=draw-canvas]').getContext('2d').getImageData(140, 140, 1, 1).data[3] > 200");
        var ink = await page.GetByTestId("draw-canvas").EvaluateAsync<int[]>(
            "c => { const d = c.getContext('2d').getImageData(0, 0, 280, 280).data; return [d[(140 * 280 + 140) * 4 + 3], d[3]]; }");
        Assert.True(ink[0] > 200, $"centre alpha {ink[0]}");
        Assert.Equal(0, ink[1]);
    }

    [Fact]
    public async Task A_cifar_model_takes_an_upload_scaled_by_the_server_to_3x32x32_instead_of_a_drawing()
    {
        await using var server = new RunningServer();
        var run = await server.Train(new { dataset = "cifar10", model = "lenet", epochs = 1, batchSize = 8, device = "cpu" });
        Assert.Equal(RunStatus.Completed, run.Status);
        var page = await server.Open(browser.Browser, "/draw");
        await Assertions.Expect(page.GetByTestId("draw-hint")).ToHaveTextAsync("Upload a picture");
        await Assertions.Expect(page.GetByTestId("draw-canvas")).ToBeHiddenAsync();
        var dataUrl = await page.EvaluateAsync<string>("""
            () => {
              const c = document.createElement("canvas"); c.width = 64; c.height = 48;
              const x = c.getContext("2d");
              x.fillStyle = "#3366cc"; x.fillRect(0, 0, 64, 48); x.fillStyle = "#cc3300"; x.fillRect(16, 12, 32, 24);
              return c.toDataURL("image/png");
            }
            """);
        await page.Locator("[data-testid=draw-canvas][data-ready=true]").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        await page.GetByTestId("upload").SetInputFilesAsync(new FilePayload
        {
            Name = "picture.png", MimeType = "image/png", Buffer = Convert.FromBase64String(dataUrl[(dataUrl.IndexOf(',') + 1)..]),
        });
        var classes = new[] { "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck" };
        await Assertions.Expect(page.GetByTestId("predicted")).ToHaveTextAsync(new Regex($"^({string.Join("|", classes)})$"));
        await Assertions.Expect(page.GetByTestId("preview")).ToHaveAttributeAsync("width", "32");
        await Assertions.Expect(page.GetByTestId("model-sees")).ToHaveTextAsync("What the model sees (3x32x32)");
        // The preview shows the colours the model received: the picture's red centre, blue border. It is drawn by JS after
        // the render that carries the prediction (and the X-ray, which makes that later): wait until it is opaque.
        await page.WaitForFunctionAsync("() => document.querySelector('[data-testid=preview]').getContext('2d').getImageData(16, 16, 1, 1).data[3] === 255");
        var centre = await page.GetByTestId("preview").EvaluateAsync<int[]>(
            "c => [...c.getContext('2d').getImageData(16, 16, 1, 1).data.slice(0, 3), ...c.getContext('2d').getImageData(1, 1, 1, 1).data.slice(0, 3)]");
        Assert.True(centre[0] > 150 && centre[2] < 80, $"centre {centre[0]},{centre[1]},{centre[2]}");
        Assert.True(centre[5] > 150 && centre[3] < 100, $"corner {centre[3]},{centre[4]},{centre[5]}");
    }
}
