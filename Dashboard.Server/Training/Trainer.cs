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
/// Checkpoint (weights, optimizer state and the shuffle order) instead of starting over. EarlierSeconds: the training
/// time of the epochs a resume keeps, where the step curves' clock goes on from.
/// </summary>
public sealed record RunFiles(string? Checkpoint, string? InitialWeights = null, bool Resume = false, double EarlierSeconds = 0);

/// <summary>
/// The loss became NaN or infinite at this epoch and batch; the run cannot go on. <paramref name="warnings"/>: the health
/// alerts the epoch raised before it, kept in the message (the epoch's health is never stored, as the epoch never ends).
/// </summary>
public sealed class RunDivergedException(int epoch, int batch, double loss, IReadOnlyList<HealthAlert>? warnings = null)
    : Exception($"The loss diverged ({loss}) at epoch {epoch}, batch {batch}; the checkpoint of the last completed epoch, if any, is kept. Try a smaller learning rate." +
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

    /// <summary>The epochs augmented when the run asks for augmentation (all); the bench alternates to time its cost.</summary>
    public Func<int, bool> AugmentsIn { get; init; } = _ => true;

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
        using var session = TrainingSession.Prepare(plan, device, datasets, savedSamples, files);
        observer.OnStarted(session.Started);
        for (var epoch = session.ResumedEpochs + 1; epoch <= plan.Config.Epochs; epoch++)
        {
            var metrics = TrainEpoch(session, epoch, observer, cancellation);
            session.Epochs.Add(metrics);
            observer.OnEpoch(metrics);
            // After the epoch is reported (and stored): a resume redoes at most this one epoch.
            if (files?.Checkpoint is { } path)
            {
                session.Card = session.Card with { Epochs = epoch, SavedAt = DateTimeOffset.UtcNow };
                Checkpoint.Save(session.Network, session.Card, path, session.Optimizer);
                if (EpochWeights.Keeps(plan.Config, session.Network.ParameterCount))
                {
                    session.Network.Save(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, EpochWeights.FileName(epoch)));
                }
                observer.OnCheckpointSaved(epoch);
            }
        }
        var (test, predictions) = Evaluate(session);
        observer.OnCompleted(test);
        var card = session.Card with { TestAccuracy = test.Accuracy, SavedAt = DateTimeOffset.UtcNow, Epochs = plan.Config.Epochs };
        if (files?.Checkpoint is { } checkpoint)
        {
            Checkpoint.Save(session.Network, card, checkpoint, session.Optimizer);
            predictions.Save(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(checkpoint))!, TestPredictions.FileName));
        }
        return new RunResult(session.Started, session.Epochs, test, card, predictions);
    }

    /// <summary>
    /// One epoch: shuffle, then train batch by batch in native calls of several batches (one when its layer health is
    /// measured), reporting progress after each call; then validate.
    /// </summary>
    private EpochMetrics TrainEpoch(TrainingSession s, int epoch, ITrainingObserver observer, CancellationToken cancellation)
    {
        var (config, batches, health) = (s.Config, s.Batches, s.Health);
        var clock = Stopwatch.StartNew();
        var earlierSeconds = s.EarlierSeconds + s.Epochs.Sum(e => e.Seconds);
        using var order = s.Order(epoch, AugmentsIn(epoch));
        double lossSum = 0;
        long correct = 0, seen = 0;
        var learningRate = config.LearningRate;
        var scheduled = new double[config.Schedule == LearningRateSchedule.Constant ? 0 : MaxBatchesPerCall];
        var perCall = 1;
        var measures = health is not null && MeasuresHealthIn(epoch);
        var warmsUp = measures && s.Epochs.Count == 0;
        for (var batch = 0; batch < batches;)
        {
            cancellation.ThrowIfCancellationRequested();
            var (nextMeasured, warmUp) = measures ? NextMeasured(batch, batches, config.HealthEvery, warmsUp) : (batches, false);
            var measure = batch == nextMeasured;
            var take = measure ? 1 : Math.Min(perCall, nextMeasured - batch);
            var rates = Rates(config, scheduled.AsSpan(0, Math.Min(take, scheduled.Length)), (long)(epoch - 1) * batches + batch, (long)config.Epochs * batches);
            learningRate = rates.IsEmpty ? learningRate : rates[^1];
            var callStart = Stopwatch.GetTimestamp();
            BatchStats stats;
            if (measure)
            {
                // The fired units are counted afresh from the epoch's first regular measurement (a warm-up also resets them).
                var measured = s.Network.TrainMeasured(s.Optimizer, s.TrainData, order, (long)batch * config.BatchSize, config.BatchSize,
                    rates.IsEmpty ? 0 : rates[0], s.Layers.Count, resetFired: batch < config.HealthEvery, bins: batch == batches - 1 ? HistogramBins : 0);
                stats = measured.Stats;
                var sample = warmUp
                    ? health!.WarmUp(epoch, batch + 1, batches, stats.LossSum / stats.Samples, measured.Layers)
                    : health!.Add(epoch, batch + 1, batches, stats.LossSum / stats.Samples, measured.Layers, batch == batches - 1);
                if (!warmUp || sample.NewAlerts.Count > 0)
                {
                    observer.OnHealth(sample);
                }
            }
            else
            {
                stats = s.Network.TrainBatches(s.Optimizer, s.TrainData, order, (long)batch * config.BatchSize, config.BatchSize, take, rates);
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
            (lossSum, correct, seen) = (lossSum + stats.LossSum, correct + stats.Correct, seen + stats.Samples);
            var elapsed = clock.Elapsed.TotalSeconds;
            observer.OnStep(new StepMetrics((long)(epoch - 1) * batches + batch, epoch, stats.LossSum / stats.Samples,
                (double)stats.Correct / stats.Samples, learningRate, earlierSeconds + elapsed));
            observer.OnBatch(new BatchProgress(epoch, batch, batches, lossSum / seen, (double)correct / seen, seen / elapsed, elapsed));
        }
        var trainSeconds = clock.Elapsed.TotalSeconds;
        var validation = s.ValidationPositions.Length > 0
            ? Score(s.Network.Evaluate(s.TrainData, s.ValidationIndex, EvaluationBatchSize, s.Classes, withProbabilities: false),
                s.ValidationPositions.Select(p => s.Train.Labels[p]).ToArray(), s.Classes)
            : ((double, double)?)null;
        return new EpochMetrics(epoch, lossSum / seen, (double)correct / seen, validation?.Item1, validation?.Item2,
            clock.Elapsed.TotalSeconds, seen / trainSeconds, learningRate, DateTimeOffset.UtcNow, measures ? health!.Epoch : null);
    }

    /// <summary>
    /// The next batch (0-based, from <paramref name="batch"/> on) whose health is measured, each in a call of its own: every
    /// <paramref name="every"/>-th and the epoch's last. With <paramref name="warmsUp"/> (the first epoch a session trains,
    /// a resumed run's too: the rule's history starts empty) also batches 1, 2, 4, 8 ... (1-based) below <paramref name="every"/>,
    /// a warm-up: at the default 50 the exploding rule would otherwise have its five measurements only after 250 batches,
    /// so a run that blew up in its first epoch got no warning before its loss turned NaN.
    /// </summary>
    public static (int Batch, bool WarmUp) NextMeasured(int batch, int batches, int every, bool warmsUp)
    {
        var regular = Math.Min((batch / every + 1) * every - 1, batches - 1);
        var power = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)batch + 1);
        return warmsUp && power < every && power - 1 < regular ? (power - 1, true) : (regular, false);
    }

    /// <summary>The schedule's rate for each batch of a call, from the run's <paramref name="step"/>-th batch on (empty: constant).</summary>
    private static Span<double> Rates(RunConfig config, Span<double> rates, long step, long steps)
    {
        for (var i = 0; i < rates.Length; i++)
        {
            // A one-cycle rate ends near zero, which libtorch's optimizers refuse.
            rates[i] = Math.Max(Schedules.At(config.Schedule, config.LearningRate, step + i, steps), 1e-12);
        }
        return rates;
    }

    /// <summary>The test set: loss, accuracy, confusion matrix, per-class metrics, and every image's probabilities.</summary>
    private static (TestMetrics Test, TestPredictions Predictions) Evaluate(TrainingSession s)
    {
        var clock = Stopwatch.StartNew();
        var evaluation = s.Network.Evaluate(s.TestData, s.TestIndex, EvaluationBatchSize, s.Classes, withProbabilities: true);
        var matrix = ClassificationReport.ConfusionMatrix(evaluation.Predictions, s.Test.Labels, s.Classes);
        var test = new TestMetrics(evaluation.LossSum / s.Test.Count, ClassificationReport.Accuracy(matrix), s.Test.Count,
            s.Info.Classes, matrix, ClassificationReport.PerClass(matrix, s.Info.Classes), s.Test.Count / clock.Elapsed.TotalSeconds);
        return (test, TestPredictions.From(evaluation, s.Classes));
    }

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
