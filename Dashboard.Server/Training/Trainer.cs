using System.Diagnostics;
using Dashboard.Server.Torch;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Runs;

namespace Dashboard.Server.Training;

/// <summary>A run configuration that failed validation; Errors is keyed by field name.</summary>
public sealed class RunConfigException(IReadOnlyDictionary<string, string[]> errors)
    : Exception(string.Join(" ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}

/// <summary>Everything a finished run produced.</summary>
public sealed record RunResult(RunStarted Started, IReadOnlyList<EpochMetrics> Epochs, TestMetrics Test, ModelCard Card, TestPredictions Predictions);

/// <summary>
/// A run's files. Checkpoint: where to save the weights after every epoch (and, beside them,
/// the model card, the optimizer state and, at the end, <see cref="TestPredictions.FileName"/>);
/// null saves nothing. InitialWeights: a checkpoint whose weights start the training
/// (fine-tuning); null starts from random weights. Resume: continue from the epochs already in
/// Checkpoint (weights, optimizer state and the shuffle order) instead of starting over.
/// </summary>
public sealed record RunFiles(string? Checkpoint, string? InitialWeights = null, bool Resume = false);

/// <summary>
/// The loss became NaN or infinite at this epoch and batch; the run cannot go on. <paramref name="warnings"/>: the health
/// alerts the epoch raised before it, kept in the message (the epoch's health is never stored, as the epoch never ends).
/// </summary>
public sealed class RunDivergedException(int epoch, int batch, double loss, IReadOnlyList<HealthAlert>? warnings = null)
    : Exception($"The loss diverged ({loss}) at epoch {epoch}, batch {batch}; the checkpoint of the last completed epoch is kept. Try a smaller learning rate." +
        string.Concat((warnings ?? []).Where(a => a.Kind != HealthAlertKind.NonFiniteLoss).Select(a => $" Batch {a.Batch}: {a.Message}")))
{
    public int Epoch { get; } = epoch;
    public int Batch { get; } = batch;
}

/// <summary>
/// The training loop: load the data onto the device once, then per epoch shuffle, train
/// batch by batch, validate, and report; finally evaluate on the test set and save.
/// </summary>
/// <remarks><paramref name="savedSamples"/> gives a dataset's user-saved samples, added to the training
/// part (never validation) when <see cref="RunConfig.IncludeSamples"/> is set.</remarks>
public sealed class Trainer(DatasetCatalog datasets, Func<string, ImageSet>? savedSamples = null)
{
    // Larger batches allocate activations above glibc's 32 MiB mmap ceiling and run 3-10x slower here.
    private const int EvaluationBatchSize = 256;

    // Batches per native call grow until a call takes about this long; a schedule's rates go along per batch.
    private const double CallSeconds = 0.03;
    private const int MaxBatchesPerCall = 256;

    /// <summary>Bins of the per-epoch weight and gradient histograms.</summary>
    public const int HistogramBins = 30;

    /// <summary>The epochs whose health is measured when the run asks for it (all); the bench alternates to time its cost.</summary>
    public Func<int, bool> MeasuresHealthIn { get; init; } = _ => true;

    /// <remarks>For the command line, the bench and tests: plans the configuration (RunConfigException when it is invalid)
    /// and trains it on the device it names. The dashboard's runs were planned when they were created.</remarks>
    public RunResult Run(RunConfig config, ITrainingObserver observer, RunFiles? files = null, CancellationToken cancellation = default) =>
        Run(RunPlan.Make(config, datasets), TorchRuntime.ResolveDevice(config.Device), observer, files, cancellation);

    /// <summary>
    /// Trains a planned run on <paramref name="device"/> (resolved by the host that took it) to completion on the calling
    /// thread. Cancellation is checked between batches (OperationCanceledException); completed epochs have been reported by then.
    /// </summary>
    public RunResult Run(RunPlan plan, string device, ITrainingObserver observer, RunFiles? files = null, CancellationToken cancellation = default)
    {
        var (config, layers) = (plan.Config, plan.Layers);
        var info = datasets.Find(config.Dataset)!;
        // Whether this device can train the precision is the host's fact (a trainer's CPU may lack native bf16).
        if (RunValidation.PrecisionProblem(config.Precision, device, TorchRuntime.Bf16Native) is { } precisionProblem)
        {
            throw new RunConfigException(new Dictionary<string, string[]> { ["precision"] = [precisionProblem] });
        }
        var loaded = datasets.Load(config.Dataset);
        var train = loaded.Train.Take(config.TrainLimit ?? loaded.Train.Count);
        var test = loaded.Test.Take(config.TestLimit ?? loaded.Test.Count);

        var random = new Random(config.Seed);
        var (trainPositions, validationPositions) = Split(train.Count, loaded.Validation is null ? config.ValidationFraction : 0, random);
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

        TorchRuntime.ManualSeed((ulong)config.Seed);
        using var network = Network.Create(layers, device, config.ChannelsLast, config.Precision);
        using var optimizer = Optimizer.Create(network, config.Optimizer, config.LearningRate, config.Momentum, config.WeightDecay);
        var done = ResumedEpochs(config, files);
        if (done > 0)
        {
            try
            {
                network.Load(files!.Checkpoint!);
                if (File.Exists(Checkpoint.OptimizerPath(files.Checkpoint!)))
                {
                    optimizer.Load(Checkpoint.OptimizerPath(files.Checkpoint!));
                }
            }
            catch (TorchException e)
            {
                throw new InvalidDataException($"The checkpoint to resume from ({files!.Checkpoint}) cannot be read; delete the run or start a new one. libtorch said: {e.Message}");
            }
            TorchRuntime.ManualSeed((ulong)config.Seed + (ulong)done);
            for (var e = 1; e <= done; e++)
            {
                random.Shuffle(trainPositions); // the orders the finished epochs drew
            }
        }
        else if (files?.InitialWeights is { } initial)
        {
            network.Load(initial);
        }
        using var trainData = DeviceDataset.Create(train.Pixels, train.Labels, train.Shape, config.NormalizeMean, config.NormalizeStd, device);
        using var testData = DeviceDataset.Create(test.Pixels, test.Labels, test.Shape, config.NormalizeMean, config.NormalizeStd, device);
        using var validationIndex = DeviceIndex.Create(validationPositions, device);
        using var testIndex = DeviceIndex.Create([.. Enumerable.Range(0, test.Count).Select(i => (long)i)], device);

        var batches = (trainPositions.Length + config.BatchSize - 1) / config.BatchSize;
        var started = new RunStarted(device, TorchRuntime.Threads, TorchRuntime.Version, network.ParameterCount,
            trainPositions.Length, validationPositions.Length, test.Count, batches);
        observer.OnStarted(started);

        var card = new ModelCard(config.Dataset, config.Layers is null ? config.Model : "custom", layers, info.Shape, info.Classes,
            config.NormalizeMean, config.NormalizeStd, null, DateTimeOffset.UtcNow, Pictures: info.Pictures, DatasetHash: info.Hash);
        var epochs = new List<EpochMetrics>();
        var health = config.HealthEvery > 0 ? new HealthMonitor(layers) : null;
        for (var epoch = done + 1; epoch <= config.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            random.Shuffle(trainPositions);
            using var order = DeviceIndex.Create(trainPositions, device);
            double lossSum = 0;
            long correct = 0, seen = 0;
            var learningRate = config.LearningRate;
            var scheduled = new double[config.Schedule == LearningRateSchedule.Constant ? 0 : MaxBatchesPerCall];
            var perCall = 1;
            var measures = health is not null && MeasuresHealthIn(epoch);
            for (var batch = 0; batch < batches;)
            {
                cancellation.ThrowIfCancellationRequested();
                // Health is measured on every HealthEvery-th batch and the epoch's last, each in a call of its own.
                var nextMeasured = measures ? Math.Min((batch / config.HealthEvery + 1) * config.HealthEvery - 1, batches - 1) : batches;
                var measure = batch == nextMeasured;
                var take = measure ? 1 : Math.Min(perCall, nextMeasured - batch);
                var rates = scheduled.AsSpan(0, Math.Min(take, scheduled.Length));
                for (var i = 0; i < rates.Length; i++)
                {
                    // A one-cycle rate ends near zero, which libtorch's optimizers refuse.
                    rates[i] = Math.Max(Schedules.At(config.Schedule, config.LearningRate, (long)(epoch - 1) * batches + batch + i, (long)config.Epochs * batches), 1e-12);
                }
                learningRate = rates.IsEmpty ? learningRate : rates[^1];
                var callStart = Stopwatch.GetTimestamp();
                BatchStats stats;
                if (measure)
                {
                    var measured = network.TrainMeasured(optimizer, trainData, order, (long)batch * config.BatchSize, config.BatchSize,
                        rates.IsEmpty ? 0 : rates[0], layers.Count, resetFired: batch < config.HealthEvery, bins: batch == batches - 1 ? HistogramBins : 0);
                    stats = measured.Stats;
                    observer.OnHealth(health!.Add(epoch, batch + 1, batches, stats.LossSum / stats.Samples, measured.Layers, batch == batches - 1));
                }
                else
                {
                    stats = network.TrainBatches(optimizer, trainData, order, (long)batch * config.BatchSize, config.BatchSize, take, rates);
                    // Calls of about CallSeconds: progress and Stop stay prompt, per-call overhead (and on a
                    // GPU, the one host-device sync per call) fades for small networks.
                    var callSeconds = Math.Max(Stopwatch.GetElapsedTime(callStart).TotalSeconds, 1e-6);
                    perCall = Math.Clamp(Math.Min(perCall * 2, (int)(take * CallSeconds / callSeconds)), 1, MaxBatchesPerCall);
                }
                if (stats.FirstNonFinite is { } bad)
                {
                    var loss = stats.LossSum / Math.Max(1, stats.Samples);
                    if (health is not null && !measure)
                    {
                        observer.OnHealth(health.Diverged(epoch, batch + bad + 1, batches, loss));
                    }
                    throw new RunDivergedException(epoch, batch + bad + 1, loss, health?.Epoch?.Alerts);
                }
                batch += take;
                lossSum += stats.LossSum;
                correct += stats.Correct;
                seen += stats.Samples;
                var elapsed = clock.Elapsed.TotalSeconds;
                observer.OnBatch(new BatchProgress(epoch, batch, batches, lossSum / seen, (double)correct / seen, seen / elapsed, elapsed));
            }
            var trainSeconds = clock.Elapsed.TotalSeconds;
            var validation = validationPositions.Length > 0
                ? Score(network.Evaluate(trainData, validationIndex, EvaluationBatchSize, info.Classes.Count, withProbabilities: false),
                    validationPositions.Select(p => train.Labels[p]).ToArray(), info.Classes.Count)
                : ((double, double)?)null;
            var metrics = new EpochMetrics(epoch, lossSum / seen, (double)correct / seen, validation?.Item1, validation?.Item2,
                clock.Elapsed.TotalSeconds, seen / trainSeconds, learningRate, DateTimeOffset.UtcNow, measures ? health!.Epoch : null);
            epochs.Add(metrics);
            observer.OnEpoch(metrics);
            // After the epoch is reported (and stored): a resume redoes at most this one epoch.
            if (files?.Checkpoint is { } path)
            {
                Checkpoint.Save(network, card with { Epochs = epoch, SavedAt = DateTimeOffset.UtcNow }, path, optimizer);
                if (EpochWeights.Keeps(config, network.ParameterCount))
                {
                    network.Save(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, EpochWeights.FileName(epoch)));
                }
                observer.OnCheckpointSaved(epoch);
            }
        }

        var testClock = Stopwatch.StartNew();
        var evaluation = network.Evaluate(testData, testIndex, EvaluationBatchSize, info.Classes.Count, withProbabilities: true);
        var matrix = ClassificationReport.ConfusionMatrix(evaluation.Predictions, test.Labels, info.Classes.Count);
        var testMetrics = new TestMetrics(evaluation.LossSum / test.Count, ClassificationReport.Accuracy(matrix), test.Count,
            info.Classes, matrix, ClassificationReport.PerClass(matrix, info.Classes), test.Count / testClock.Elapsed.TotalSeconds);
        observer.OnCompleted(testMetrics);

        card = card with { TestAccuracy = testMetrics.Accuracy, SavedAt = DateTimeOffset.UtcNow, Epochs = config.Epochs };
        var predictions = TestPredictions.From(evaluation, info.Classes.Count);
        if (files?.Checkpoint is { } checkpoint)
        {
            Checkpoint.Save(network, card, checkpoint, optimizer);
            predictions.Save(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpoint))!, TestPredictions.FileName));
        }
        return new RunResult(started, epochs, testMetrics, card, predictions);
    }

    /// <summary>How many epochs a resumed run's checkpoint already holds (0 when not resuming or none).</summary>
    private static int ResumedEpochs(RunConfig config, RunFiles? files) =>
        files is { Resume: true, Checkpoint: { } path } && File.Exists(path) && Checkpoint.ReadCard(path)?.Epochs is > 0 and int epochs
            ? Math.Min(epochs, config.Epochs)
            : 0;

    /// <summary>A seeded split of positions 0..count-1 into training and validation.</summary>
    public static (long[] Train, long[] Validation) Split(int count, double validationFraction, Random random)
    {
        var positions = Enumerable.Range(0, count).Select(i => (long)i).ToArray();
        random.Shuffle(positions);
        var validation = (int)Math.Round(count * validationFraction);
        return (positions[validation..], positions[..validation]);
    }

    private static (double Loss, double Accuracy) Score(Evaluation evaluation, byte[] labels, int classes) =>
        (evaluation.LossSum / labels.Length,
         ClassificationReport.Accuracy(ClassificationReport.ConfusionMatrix(evaluation.Predictions, labels, classes)));
}
