using System.Globalization;
using System.Text;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>
/// A run's network as PyTorch source (GET /api/runs/{id}/model.py): an nn.Sequential of the same layers with the same
/// parameter names, so <c>model.load_state_dict(torch.jit.load("model.pt").state_dict())</c> works in PyTorch 1.13 and
/// 2.x, and the input normalisation as MEAN and STD (one value per channel).
/// </summary>
public static class PyTorchCode
{
    public static string Source(ModelCard card, int runId)
    {
        var channels = card.Input.Dims[0];
        string PerChannel(double value) => "(" + string.Join(", ", Enumerable.Repeat(Number(value), channels)) + (channels == 1 ? ",)" : ")");
        var code = new StringBuilder();
        code.AppendLine($"\"\"\"Run {runId} of the training dashboard: {card.Model} on {card.Dataset}, input {card.Input.Size}, {card.Classes.Count} classes.");
        code.AppendLine();
        code.AppendLine("    model = Net()");
        code.AppendLine("    model.load_state_dict(torch.jit.load(\"model.pt\").state_dict())  # GET /api/runs/ID/checkpoint");
        code.AppendLine("    model.eval()");
        code.AppendLine("    x = normalise(images)  # images: float tensor N x C x H x W, values in [0, 1]");
        code.AppendLine("    classes = model(x).argmax(1)");
        code.AppendLine("\"\"\"");
        code.AppendLine("import torch");
        code.AppendLine("import torch.nn as nn");
        code.AppendLine();
        code.AppendLine($"CLASSES = [{string.Join(", ", card.Classes.Select(Quoted))}]");
        code.AppendLine($"MEAN = {PerChannel(card.NormalizeMean)}");
        code.AppendLine($"STD = {PerChannel(card.NormalizeStd)}");
        code.AppendLine();
        code.AppendLine();
        code.AppendLine("def normalise(images):");
        code.AppendLine("    \"\"\"Pictures in [0, 1] (N x C x H x W) as the network saw them in training.\"\"\"");
        code.AppendLine("    return (images - torch.tensor(MEAN).view(1, -1, 1, 1)) / torch.tensor(STD).view(1, -1, 1, 1)");
        if (card.Layers.Any(l => l.Kind == LayerKind.Residual))
        {
            code.AppendLine();
            code.AppendLine();
            code.AppendLine("""
                class BasicBlock(nn.Module):
                    "torchvision's BasicBlock: two 3x3 convolutions with BatchNorm, the input added back (through a 1x1 convolution with BatchNorm when the shape changes), ReLU after the sum."

                    def __init__(self, inplanes, planes, stride=1):
                        super().__init__()
                        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
                        self.bn1 = nn.BatchNorm2d(planes)
                        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
                        self.bn2 = nn.BatchNorm2d(planes)
                        self.downsample = None
                        if stride != 1 or inplanes != planes:
                            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

                    def forward(self, x):
                        y = torch.relu(self.bn1(self.conv1(x)))
                        y = self.bn2(self.conv2(y))
                        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))
                """.TrimEnd());
        }
        if (card.Layers.Any(l => l.Kind == LayerKind.GlobalAvgPool))
        {
            code.AppendLine();
            code.AppendLine();
            code.AppendLine("""
                class GlobalAvgPool(nn.Module):
                    "The mean of each channel: (N, C, H, W) to (N, C)."

                    def forward(self, x):
                        return x.mean((2, 3))
                """.TrimEnd());
        }
        code.AppendLine();
        code.AppendLine();
        code.AppendLine("class Net(nn.Sequential):");
        code.AppendLine("    def __init__(self):");
        code.AppendLine("        super().__init__(");
        foreach (var layer in card.Layers)
        {
            code.AppendLine($"            {Module(layer)},");
        }
        code.AppendLine("        )");
        return code.ToString();
    }

    private static string Module(LayerSpec l) => l.Kind switch
    {
        LayerKind.Linear => $"nn.Linear({l.In}, {l.Out})",
        LayerKind.Conv2d => $"nn.Conv2d({l.In}, {l.Out}, {l.Kernel}, stride={l.Stride}, padding={l.Padding})",
        LayerKind.BatchNorm2d => $"nn.BatchNorm2d({l.In})",
        LayerKind.BatchNorm1d => $"nn.BatchNorm1d({l.In})",
        LayerKind.ReLU => "nn.ReLU()",
        LayerKind.Sigmoid => "nn.Sigmoid()",
        LayerKind.LeakyReLU => $"nn.LeakyReLU({Number(l.P)})",
        LayerKind.MaxPool2d => $"nn.MaxPool2d({l.Kernel}, stride={l.Stride})",
        LayerKind.AvgPool2d => $"nn.AvgPool2d({l.Kernel}, stride={l.Stride})",
        LayerKind.Dropout => $"nn.Dropout({Number(l.P)})",
        LayerKind.Flatten => "nn.Flatten()",
        LayerKind.GlobalAvgPool => "GlobalAvgPool()",
        LayerKind.Residual => $"BasicBlock({l.In}, {l.Out}, stride={l.Stride})",
        _ => throw new ArgumentException($"no PyTorch module for layer kind {l.Kind}."),
    };

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Quoted(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
