using System.Text.Json;
using Dashboard.Server.Torch;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>
/// A saved model: NAME.pt holds the weights (torch::save; PyTorch reads it with
/// torch.jit.load(path).state_dict()), NAME.json the <see cref="ModelCard"/> needed to rebuild it,
/// and NAME.optimizer.pt the optimizer's state for resuming. Each file is written beside its
/// place and renamed over it, so a killed process leaves the previous checkpoint whole.
/// </summary>
public static class Checkpoint
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static string CardPath(string weightsPath) => Path.ChangeExtension(weightsPath, ".json");

    public static string OptimizerPath(string weightsPath) => Path.ChangeExtension(weightsPath, ".optimizer.pt");

    public static void Save(Network network, ModelCard card, string weightsPath, Optimizer? optimizer = null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(weightsPath))!);
        Replace(weightsPath, network.Save);
        if (optimizer is not null)
        {
            Replace(OptimizerPath(weightsPath), optimizer.Save);
        }
        Replace(CardPath(weightsPath), path => File.WriteAllText(path, JsonSerializer.Serialize(card, Json)));
    }

    /// <summary>The card alone (null when missing or unreadable), e.g. to learn how many epochs a checkpoint holds.</summary>
    public static ModelCard? ReadCard(string weightsPath)
    {
        try
        {
            return File.Exists(CardPath(weightsPath)) ? JsonSerializer.Deserialize<ModelCard>(File.ReadAllText(CardPath(weightsPath)), Json) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void Replace(string path, Action<string> write)
    {
        var temporary = path + ".tmp";
        write(temporary);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Rebuilds the network from the card and loads the weights onto <paramref name="device"/>.</summary>
    public static (Network Network, ModelCard Card) Load(string weightsPath, string device = "auto")
    {
        var cardPath = CardPath(weightsPath);
        if (!File.Exists(weightsPath) || !File.Exists(cardPath))
        {
            throw new FileNotFoundException($"A checkpoint needs both {weightsPath} and {cardPath}.");
        }
        ModelCard card;
        try
        {
            card = JsonSerializer.Deserialize<ModelCard>(File.ReadAllText(cardPath), Json)
                ?? throw new JsonException("empty document");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{cardPath} is not a valid model card: {e.Message}");
        }
        var network = Network.Create(card.Layers, TorchRuntime.ResolveDevice(device));
        try
        {
            network.Load(weightsPath);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        return (network, card);
    }
}
