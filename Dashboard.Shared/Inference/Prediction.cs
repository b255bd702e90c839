namespace Dashboard.Shared.Inference;

/// <summary>A prediction: the most likely class and every class's probability.</summary>
public sealed record Prediction(int RunId, string Dataset, string Model, int Class, string Label, IReadOnlyList<float> Probabilities);

/// <summary>A drawing's or upload's prediction and the image (C x H x W values in [0, 1]) the model actually received.</summary>
public sealed record DrawingPrediction(Prediction Prediction, IReadOnlyList<float> Input);

/// <summary>Classifies drawings and uploads with a run's checkpoint. Implemented by the server; injected into the Draw page.</summary>
public interface IDigitClassifier
{
    /// <summary>
    /// <paramref name="grayscale"/> is the canvas, width x height bytes, ink bright. It is cropped,
    /// scaled and centred as MNIST was made. Null when nothing is drawn.
    /// </summary>
    DrawingPrediction? ClassifyDrawing(int runId, byte[] grayscale, int width, int height);

    /// <summary>An image already at the model's input size: C x H x W bytes (0-255), used as they are.</summary>
    DrawingPrediction ClassifyImage(int runId, byte[] pixels);
}
