namespace Dashboard.Shared.Runs;

/// <summary>
/// One test image with what the run's network said about it: Pixels are C x H x W bytes (0-255),
/// Probabilities one per class; File, for an imported dataset, the picture's original path.
/// </summary>
public sealed record TestExample(int Index, int Label, int Predicted, IReadOnlyList<float> Probabilities,
    int Channels, int Height, int Width, byte[] Pixels, string? File = null)
{
    /// <summary>The probability the network gave its own answer.</summary>
    public float Confidence => Probabilities[Predicted];
}

/// <summary>The test images in one confusion-matrix cell (true class, predicted class), up to a limit.</summary>
public sealed record CellExamples(int RunId, int TrueClass, int Predicted, int Count, IReadOnlyList<TestExample> Examples);

/// <summary>Looks into a completed run's test results image by image. Implemented by the server.</summary>
public interface IRunInspector
{
    /// <summary>The images of a confusion-matrix cell, most confident first. Throws with a message when the run has no test results.</summary>
    CellExamples Cell(int runId, int trueClass, int predicted, int limit);

    /// <summary>The wrong answers the network was surest about, most confident first.</summary>
    IReadOnlyList<TestExample> ConfidentMistakes(int runId, int limit);
}
