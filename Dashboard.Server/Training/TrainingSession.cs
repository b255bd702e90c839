using Dashboard.Server.Torch;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>
/// Everything a run trains with, prepared once: the data split and on the device, the network and its optimizer
/// (resumed or fine-tuned from a checkpoint), the shuffle order's random source, and what the run reports. The
/// training loop (<see cref="Trainer"/>) takes it as it is.
/// </summary>
public sealed class TrainingSession : IDisposable
{
    private TrainingSession(RunPlan plan, string device, DatasetInfo info, ImageSet train, ImageSet test, long[] trainPositions, long[] validationPositions,
        Random random) =>
        (Plan, Device, Info, Train, Test, TrainPositions, ValidationPositions, Random) = (plan, device, info, train, test, trainPositions, validationPositions, random);

    public RunPlan Plan { get; }
    public RunConfig Config => Plan.Config;
    public IReadOnlyList<LayerSpec> Layers => Plan.Layers;
    public string Device { get; }
    public DatasetInfo Info { get; }
    public int Classes => Info.Classes.Count;

    /// <summary>The training images (saved samples and a dataset's own validation set appended) and the test images.</summary>
    public ImageSet Train { get; }
    public ImageSet Test { get; }

    /// <summary>Positions in <see cref="Train"/>: those trained on (reshuffled every epoch) and those validated on.</summary>
    public long[] TrainPositions { get; }
    public long[] ValidationPositions { get; }

    /// <summary>The run's own random source: the split, then one shuffle per epoch.</summary>
    public Random Random { get; }

    public Network Network { get; private set; } = null!;
    public Optimizer Optimizer { get; private set; } = null!;
    public DeviceDataset TrainData { get; private set; } = null!;
    public DeviceDataset TestData { get; private set; } = null!;
    public DeviceIndex ValidationIndex { get; private set; } = null!;
    public DeviceIndex TestIndex { get; private set; } = null!;

    /// <summary>Epochs a resumed run's checkpoint already holds (0 otherwise); training goes on after them.</summary>
    public int ResumedEpochs { get; private set; }

    /// <summary>The training time of the epochs a resume keeps (0 otherwise).</summary>
    public double EarlierSeconds { get; private set; }

    public int Batches => (TrainPositions.Length + Config.BatchSize - 1) / Config.BatchSize;

    public RunStarted Started { get; private set; } = null!;

    /// <summary>The checkpoint's model card, as of the last epoch saved.</summary>
    public ModelCard Card { get; set; } = null!;

    public HealthMonitor? Health { get; private set; }

    /// <summary>Whether training batches are augmented (or the loss smoothed).</summary>
    public bool Augments { get; private set; }

    /// <summary>
    /// An epoch's order on the device (the next shuffle of the training positions), its augmentation seeded for the
    /// epoch; <paramref name="augment"/> false trains the epoch without it (the bench's cost of augmentation).
    /// </summary>
    public DeviceIndex Order(int epoch, bool augment = true)
    {
        Random.Shuffle(TrainPositions);
        if (Augments)
        {
            // Seeded per epoch, not carried over: a resumed run's later epochs see the same batches.
            TrainData.Augment(augment ? Config.Augmentation : null, augment ? Config.LabelSmoothing : 0, (ulong)Config.Seed * 1_000_003UL + (ulong)epoch);
        }
        return DeviceIndex.Create(TrainPositions, Device);
    }

    public List<EpochMetrics> Epochs { get; } = [];

    /// <summary>
    /// Checks the precision on this device, loads and splits the data (the first TrainLimit training images; a seeded
    /// validation split, or the dataset's own validation set; saved samples added to training), seeds libtorch, builds
    /// the network and optimizer (from the checkpoint when resuming, from InitialWeights when fine-tuning) and puts the
    /// data on the device.
    /// </summary>
    public static TrainingSession Prepare(RunPlan plan, string device, DatasetCatalog datasets, Func<string, ImageSet>? savedSamples, RunFiles? files)
    {
        var config = plan.Config;
        // Whether this device can train the precision is the host's fact (a trainer's CPU may lack native bf16).
        if (RunValidation.PrecisionProblem(config.Precision, device, TorchRuntime.Bf16Native) is { } precisionProblem)
        {
            throw new RunConfigException(new Dictionary<string, string[]> { ["precision"] = [precisionProblem] });
        }
        var loaded = datasets.Load(config.Dataset);
        var train = loaded.Train.Take(config.TrainLimit ?? loaded.Train.Count);
        var test = loaded.Test.Take(config.TestLimit ?? loaded.Test.Count);
        var random = new Random(config.Seed);
        var (trainPositions, validationPositions) = Trainer.Split(train.Count, loaded.Validation is null ? config.ValidationFraction : 0, random);
        if (loaded.Validation is { } own)
        {
            // A dataset's own validation set (an imported val/ folder) rather than a split of the training images.
            validationPositions = [.. Enumerable.Range(train.Count, own.Count).Select(i => (long)i)];
            train = train.Concat(own);
        }
        if (config.IncludeSamples && savedSamples?.Invoke(config.Dataset) is { Count: > 0 } samples)
        {
            trainPositions = [.. trainPositions, .. Enumerable.Range(train.Count, samples.Count).Select(i => (long)i)];
            train = train.Concat(samples);
        }
        if (config.BatchSize > trainPositions.Length)
        {
            throw new RunConfigException(new Dictionary<string, string[]>
            {
                ["batchSize"] = [$"must not exceed the {trainPositions.Length} training images after the split, got {config.BatchSize}."],
            });
        }
        // The split drew from the run's random source; the epochs' shuffles go on drawing from it.
        var session = new TrainingSession(plan, device, datasets.Find(config.Dataset)!, train, test, trainPositions, validationPositions, random);
        session.Build(files);
        return session;
    }

    private void Build(RunFiles? files)
    {
        TorchRuntime.ManualSeed((ulong)Config.Seed);
        Network = Network.Create(Layers, Device, Config.ChannelsLast, Config.Precision);
        Optimizer = Optimizer.Create(Network, Config.Optimizer, Config.LearningRate, Config.Momentum, Config.WeightDecay);
        ResumedEpochs = ResumedEpochsOf(Config, files);
        EarlierSeconds = ResumedEpochs > 0 ? files!.EarlierSeconds : 0;
        if (ResumedEpochs > 0)
        {
            Resume(files!.Checkpoint!);
        }
        else if (files?.InitialWeights is { } initial)
        {
            Network.Load(initial);
        }
        TrainData = DeviceDataset.Create(Train.Pixels, Train.Labels, Train.Shape, Config.NormalizeMean, Config.NormalizeStd, Device);
        Augments = !Config.Augmentation.IsNone || Config.LabelSmoothing > 0;
        TestData = DeviceDataset.Create(Test.Pixels, Test.Labels, Test.Shape, Config.NormalizeMean, Config.NormalizeStd, Device);
        ValidationIndex = DeviceIndex.Create(ValidationPositions, Device);
        TestIndex = DeviceIndex.Create([.. Enumerable.Range(0, Test.Count).Select(i => (long)i)], Device);
        Started = new RunStarted(Device, TorchRuntime.Threads, TorchRuntime.Version, Network.ParameterCount,
            TrainPositions.Length, ValidationPositions.Length, Test.Count, Batches);
        Card = new ModelCard(Config.Dataset, Config.NetworkName, Layers, Info.Shape, Info.Classes,
            Config.NormalizeMean, Config.NormalizeStd, null, DateTimeOffset.UtcNow, Pictures: Info.Pictures, DatasetHash: Info.Hash);
        Health = Config.HealthEvery > 0 ? new HealthMonitor(Layers, Config.Schedule == LearningRateSchedule.Constant) : null;
    }

    private void Resume(string checkpoint)
    {
        try
        {
            Network.Load(checkpoint);
            if (File.Exists(Checkpoint.OptimizerPath(checkpoint)))
            {
                Optimizer.Load(Checkpoint.OptimizerPath(checkpoint));
            }
        }
        catch (TorchException e)
        {
            throw new InvalidDataException($"The checkpoint to resume from ({checkpoint}) cannot be read; delete the run or start a new one. libtorch said: {e.Message}");
        }
        TorchRuntime.ManualSeed((ulong)Config.Seed + (ulong)ResumedEpochs);
        for (var e = 1; e <= ResumedEpochs; e++)
        {
            Random.Shuffle(TrainPositions); // the orders the finished epochs drew
        }
    }

    /// <summary>How many epochs a resumed run's checkpoint already holds (0 when not resuming or none).</summary>
    private static int ResumedEpochsOf(RunConfig config, RunFiles? files) =>
        files is { Resume: true, Checkpoint: { } path } && File.Exists(path) && Checkpoint.ReadCard(path)?.Epochs is > 0 and int epochs
            ? Math.Min(epochs, config.Epochs)
            : 0;

    public void Dispose()
    {
        TestIndex?.Dispose();
        ValidationIndex?.Dispose();
        TestData?.Dispose();
        TrainData?.Dispose();
        Optimizer?.Dispose();
        Network?.Dispose();
    }
}
