using System.Diagnostics;
using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Runs;

namespace Dashboard.IntegrationTests;

/// <summary>A checkpoint opens in PyTorch (Debian's python3-torch, installed by scripts/setup.sh --test).</summary>
public class PyTorchInteropTests
{
    private const string Python = "/usr/bin/python3";

    [Fact]
    public void PyTorch_loads_the_checkpoint_into_the_equivalent_sequential_and_predicts_the_same()
    {
        using var temp = new TempFolder();
        SyntheticData.WriteMnistLike(temp.Path, train: 200, test: 30);
        var catalog = new DatasetCatalog(temp.Path);
        var weights = temp.File("cnn-bn.pt");
        var config = new RunConfig { Model = "cnn-bn", Epochs = 1, BatchSize = 50, Device = "cpu", ValidationFraction = 0 };
        var result = new Trainer(catalog).Run(config, new RecordingObserver(), new RunFiles(weights));

        var script = $$"""
            import torch, torch.nn as nn, numpy as np
            model = nn.Sequential(
                nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 10))
            model.load_state_dict(torch.jit.load("{{weights}}").state_dict())
            model.eval()
            raw = np.fromfile("{{Path.Combine(temp.Path, "mnist", "t10k-images-idx3-ubyte")}}", dtype=np.uint8, offset=16)
            x = (torch.from_numpy(raw.copy()).float().reshape(-1, 1, 28, 28) / 255 - 0.5) / 0.5
            with torch.no_grad():
                print(" ".join(str(int(p)) for p in model(x).argmax(1)))
            """;
        File.WriteAllText(temp.File("load.py"), script);
        var python = Process.Start(new ProcessStartInfo(Python, temp.File("load.py"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = python.StandardOutput.ReadToEnd();
        var stderr = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, stderr);

        var predictions = stdout.Trim().Split(' ').Select(long.Parse).ToArray();
        var (_, test) = catalog.Load("mnist");
        Assert.Equal(result.Test.ConfusionMatrix, ClassificationReport.ConfusionMatrix(predictions, test.Labels, 10));
    }

    [Fact]
    public void For_every_preset_model_py_with_the_checkpoint_reproduces_the_dashboards_test_predictions_in_pytorch()
    {
        using var temp = new TempFolder();
        SyntheticData.WriteMnistLike(temp.Path, train: 96, test: 40);
        var catalog = new DatasetCatalog(temp.Path);
        var test = catalog.Load("mnist").Test;
        File.WriteAllBytes(temp.File("test.bin"), test.Pixels);
        var checks = new List<string>();
        var expected = new Dictionary<string, long[]>();
        foreach (var preset in Dashboard.Server.Training.Networks.NetworkPresets.Names)
        {
            var weights = temp.File($"{preset}.pt");
            var config = new RunConfig { Model = preset, Epochs = 1, BatchSize = 32, Device = "cpu", ValidationFraction = 0, HealthEvery = 0 };
            var result = new Trainer(catalog).Run(config, new RecordingObserver(), new RunFiles(weights));
            File.WriteAllText(temp.File($"{preset}.py"), PyTorchCode.Source(result.Card, 1));
            expected[preset] = [.. result.Predictions.Predicted.Select(p => (long)p)];
            checks.Add($"check('{preset}')");
        }
        var calls = string.Join(Environment.NewLine, checks);
        var script = $$"""
            import importlib.util, torch, numpy as np
            raw = np.fromfile("{{temp.File("test.bin")}}", dtype=np.uint8)
            images = torch.from_numpy(raw.copy()).float().reshape(-1, 1, 28, 28) / 255
            def check(name):
                spec = importlib.util.spec_from_file_location(name.replace("-", "_"), "{{temp.Path}}/" + name + ".py")
                code = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(code)
                model = code.Net()
                model.load_state_dict(torch.jit.load("{{temp.Path}}/" + name + ".pt").state_dict())
                model.eval()
                with torch.no_grad():
                    print(name, " ".join(str(int(p)) for p in model(code.normalise(images)).argmax(1)))
            {{calls}}
            """;
        File.WriteAllText(temp.File("check.py"), script);
        var python = Process.Start(new ProcessStartInfo(Python, temp.File("check.py")) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = python.StandardOutput.ReadToEnd();
        var stderr = python.StandardError.ReadToEnd();
        python.WaitForExit();
        Assert.True(python.ExitCode == 0, stderr);
        var lines = stdout.Trim().Split('\n').Select(l => l.Split(' ', 2)).ToDictionary(p => p[0], p => p[1].Split(' ').Select(long.Parse).ToArray());
        Assert.Equal(expected.Keys.Order(), lines.Keys.Order());
        Assert.All(expected, e => Assert.True(e.Value.SequenceEqual(lines[e.Key]), $"{e.Key}: PyTorch's predictions differ from the dashboard's"));
    }
}
