namespace Dashboard.Shared.Inference;

/// <summary>A prediction: the most likely class and every class's probability.</summary>
public sealed record Prediction(int RunId, string Dataset, string Model, int Class, string Label, IReadOnlyList<float> Probabilities);

/// <summary>A drawing's prediction and the 28x28 image (values in [0, 1]) the model actually received.</summary>
public sealed record DrawingPrediction(Prediction Prediction, IReadOnlyList<float> Input);

/// <summary>Classifies drawings with a run's checkpoint. Implemented by the server; injected into the Draw page.</summary>
public interface IDigitClassifier
{
    /// <summary>
    /// <paramref name="grayscale"/> is the canvas, width x height bytes, ink bright. It is cropped,
    /// scaled and centred as MNIST was made. Null when nothing is drawn.
    /// </summary>
    DrawingPrediction? ClassifyDrawing(int runId, byte[] grayscale, int width, int height);
}
