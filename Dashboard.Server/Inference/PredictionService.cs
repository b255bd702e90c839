using System.Collections.Concurrent;
using Dashboard.Server.Runs;
using Dashboard.Server.Torch;
using Dashboard.Server.Training;
using Dashboard.Shared.Inference;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Inference;

/// <summary>
/// Classifies images with a run's checkpoint. Each run's network is loaded once and kept;
/// predictions on one network are serialised, different runs predict in parallel.
/// </summary>
public sealed class PredictionService(IRunControl runs) : IDigitClassifier, IDisposable
{
    private sealed record LoadedModel(Network Network, ModelCard Card, object Gate);

    // By run and epoch (null: the run's final weights).
    private readonly ConcurrentDictionary<(int Run, int? Epoch), Lazy<LoadedModel>> _models = new();

    /// <summary>
    /// <paramref name="pixels"/> holds one image as C x H x W values in [0, 1] (784 for MNIST,
    /// 3072 for CIFAR-10), normalised here exactly as the run's training data was.
    /// </summary>
    /// <remarks><paramref name="epoch"/>: the weights the run kept after that epoch (<see cref="KeptEpochs"/>) instead of its final ones.</remarks>
    public Prediction Predict(int runId, IReadOnlyList<float> pixels, int? epoch = null)
    {
        var model = Load(runId, epoch);
        var card = model.Card;
        CheckPixels(runId, pixels, card);
        float[] probabilities;
        lock (model.Gate)
        {
            probabilities = model.Network.Predict([.. pixels], 1, card.Input, card.NormalizeMean, card.NormalizeStd, card.Classes.Count);
        }
        var best = Array.IndexOf(probabilities, probabilities.Max());
        return new Prediction(runId, card.Dataset, card.Model, best, card.Classes[best], probabilities);
    }

    public DrawingPrediction? ClassifyDrawing(int runId, byte[] grayscale, int width, int height, int? epoch = null)
    {
        if (!grayscale.Any(v => v > 0))
        {
            return null;
        }
        var pixels = Load(runId, epoch).Card.Pictures is { Channels: 1 } format
            ? UploadPipeline.PadInput(grayscale, width, height, format)
            : DigitPreprocessor.ToMnist(Pixels.FromBytes(grayscale), width, height);
        return pixels is null ? null : new DrawingPrediction(Predict(runId, pixels, epoch), pixels);
    }

    public IReadOnlyList<int> KeptEpochs(int runId)
    {
        if (runs.CheckpointFile(runId) is not { } path || runs.Get(runId) is not { } run)
        {
            return [];
        }
        // A resumed run may have left files of epochs it then redid or never reached: only its stored epochs count.
        return [.. Directory.GetFiles(Path.GetDirectoryName(path)!, "epoch-*.pt")
            .Select(f => EpochWeights.EpochOf(Path.GetFileName(f))).OfType<int>()
            .Where(e => e >= 1 && e <= run.Epochs.Count).Order()];
    }

    public UploadPrediction ClassifyUpload(int runId, byte[] file, string? contentType)
    {
        var card = Load(runId).Card;
        UploadedInput upload;
        try
        {
            upload = UploadPipeline.ToInput(file, contentType, card);
        }
        catch (ImageRejectedException e)
        {
            throw new RunRequestException($"image: {e.Message}", notFound: false);
        }
        return new UploadPrediction(new DrawingPrediction(Predict(runId, upload.Input), upload.Input), card.Input, upload.Ink);
    }

    /// <summary>
    /// Classifies many pictures with the run's final weights: each goes through the pipeline an upload takes (an
    /// imported dataset's own picture format), decoded in parallel, then predicted in batches. A picture that cannot be
    /// read gets its reason instead of a class.
    /// </summary>
    public ClassifyResult Classify(int runId, IReadOnlyList<(string File, Func<byte[]> Read)> pictures, bool thumbnails = false)
    {
        var card = Load(runId).Card;
        var inputs = new float[]?[pictures.Count];
        var errors = new string?[pictures.Count];
        // Read in order (an archive has one reader), decode in parallel.
        var files = pictures.Select(p =>
        {
            try
            {
                return (Bytes: p.Read(), Error: (string?)null);
            }
            catch (ImageRejectedException e)
            {
                return (Bytes: (byte[]?)null, Error: e.Message);
            }
        }).ToList();
        Parallel.For(0, pictures.Count, i =>
        {
            try
            {
                inputs[i] = files[i].Bytes is { } bytes ? UploadPipeline.ToInput(bytes, null, card).Input : null;
                errors[i] = files[i].Error;
            }
            catch (ImageRejectedException e)
            {
                errors[i] = e.Message;
            }
        });
        var good = Enumerable.Range(0, pictures.Count).Where(i => inputs[i] is not null).ToList();
        var probabilities = new float[pictures.Count][];
        var model = Load(runId);
        const int Batch = 256;
        for (var start = 0; start < good.Count; start += Batch)
        {
            var chunk = good.Skip(start).Take(Batch).ToList();
            var batch = chunk.SelectMany(i => inputs[i]!).ToArray();
            float[] scores;
            lock (model.Gate)
            {
                scores = model.Network.Predict(batch, chunk.Count, card.Input, card.NormalizeMean, card.NormalizeStd, card.Classes.Count);
            }
            for (var n = 0; n < chunk.Count; n++)
            {
                probabilities[chunk[n]] = scores[(n * card.Classes.Count)..((n + 1) * card.Classes.Count)];
            }
        }
        var (channels, height, width) = (card.Input.Dims[0], card.Input.Dims[1], card.Input.Dims[2]);
        return new ClassifyResult(runId, card.Classes, [.. Enumerable.Range(0, pictures.Count).Select(i =>
        {
            if (probabilities[i] is not { } p)
            {
                return new ClassifiedPicture(pictures[i].File, null, null, null, errors[i] ?? "not read");
            }
            var best = Array.IndexOf(p, p.Max());
            return new ClassifiedPicture(pictures[i].File, best, card.Classes[best], p)
            {
                InputPng = thumbnails ? ImageFiles.Png(inputs[i]!, channels, height, width) : null,
            };
        })]);
    }

    /// <summary>Refuses <paramref name="pixels"/> that are not one image of the run's input (count, range).</summary>
    internal static void CheckPixels(int runId, IReadOnlyList<float> pixels, ModelCard card)
    {
        if (Pixels.Problem(pixels, card.Input) is { } problem)
        {
            throw new RunRequestException($"pixels: run {runId} {problem}", notFound: false);
        }
    }

    /// <summary>Runs <paramref name="work"/> on a run's loaded network and model card, one call at a time per network.</summary>
    internal T Use<T>(int runId, Func<Network, ModelCard, T> work, int? epoch = null)
    {
        var model = Load(runId, epoch);
        lock (model.Gate)
        {
            return work(model.Network, model.Card);
        }
    }

    /// <summary>Drops a deleted run's network.</summary>
    public void Forget(int runId)
    {
        foreach (var key in _models.Keys.Where(k => k.Run == runId))
        {
            if (_models.TryRemove(key, out var model) && model.IsValueCreated)
            {
                lock (model.Value.Gate)
                {
                    model.Value.Network.Dispose();
                }
            }
        }
    }

    private LoadedModel Load(int runId, int? epoch = null)
    {
        if (runs.CheckpointFile(runId) is not { } path)
        {
            Forget(runId); // A deleted run's network goes with it (ids are never reused).
            throw new RunRequestException(
                runs.Get(runId) is null ? $"Run {runId} does not exist." : $"Run {runId} has no checkpoint yet (it saves one when it completes).",
                notFound: true);
        }
        if (epoch is { } asked && KeptEpochs(runId) is var kept && !kept.Contains(asked))
        {
            throw new RunRequestException($"epoch: run {runId} kept no weights for epoch {asked}; " +
                (kept.Count == 0 ? "it kept none (KeepEpochWeights)." : $"it kept epochs {kept[0]} to {kept[^1]}."), notFound: false);
        }
        var lazy = _models.GetOrAdd((runId, epoch), key => new Lazy<LoadedModel>(() =>
        {
            var (network, card) = Checkpoint.Load(path);
            if (key.Epoch is { } kept)
            {
                network.Load(Path.Combine(Path.GetDirectoryName(path)!, EpochWeights.FileName(kept)));
            }
            return new LoadedModel(network, card, new object());
        }));
        try
        {
            return lazy.Value;
        }
        catch (Exception e) when (e is TorchException or InvalidDataException or FileNotFoundException)
        {
            _models.TryRemove((runId, epoch), out _);
            throw new RunRequestException($"Run {runId}'s checkpoint could not be loaded: {e.Message}", notFound: false);
        }
    }

    public void Dispose()
    {
        foreach (var id in _models.Keys.Select(k => k.Run).Distinct().ToList())
        {
            Forget(id);
        }
    }
}
