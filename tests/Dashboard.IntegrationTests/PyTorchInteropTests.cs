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
}
