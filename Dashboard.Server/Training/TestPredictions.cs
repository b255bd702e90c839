using Dashboard.Server.Torch;

namespace Dashboard.Server.Training;

/// <summary>
/// What a run's network said about every test image: the predicted class and the class
/// probabilities, in test-set order. Saved beside the checkpoint as test-predictions.bin
/// (int32 count, int32 classes, count predicted-class bytes, count x classes float32, little-endian),
/// so the confusion matrix can be drilled into after the run without evaluating again.
/// </summary>
public sealed record TestPredictions(byte[] Predicted, float[] Probabilities, int Classes)
{
    public const string FileName = "test-predictions.bin";

    public int Count => Predicted.Length;

    public ReadOnlySpan<float> ProbabilitiesOf(int index) => Probabilities.AsSpan(index * Classes, Classes);

    public static TestPredictions From(Evaluation evaluation, int classes) =>
        new([.. evaluation.Predictions.Select(p => (byte)p)],
            evaluation.Probabilities ?? throw new ArgumentException("The evaluation has no probabilities."), classes);

    public void Save(string path)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(Count);
        writer.Write(Classes);
        writer.Write(Predicted);
        foreach (var p in Probabilities)
        {
            writer.Write(p);
        }
    }

    /// <summary>Reads a saved file; InvalidDataException when it is truncated or inconsistent.</summary>
    public static TestPredictions Load(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        try
        {
            var count = reader.ReadInt32();
            var classes = reader.ReadInt32();
            if (count < 0 || classes is < 1 or > 255 || reader.BaseStream.Length != 8 + count + 4L * count * classes)
            {
                throw new InvalidDataException($"{path}: header says {count} images of {classes} classes, which does not match its {reader.BaseStream.Length} bytes.");
            }
            var predicted = reader.ReadBytes(count);
            var probabilities = new float[count * classes];
            for (var i = 0; i < probabilities.Length; i++)
            {
                probabilities[i] = reader.ReadSingle();
            }
            return new TestPredictions(predicted, probabilities, classes);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path} is truncated.");
        }
    }
}
