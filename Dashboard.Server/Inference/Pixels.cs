using Dashboard.Shared.Networks;

namespace Dashboard.Server.Inference;

/// <summary>Checks and converts images sent by clients: C x H x W values in [0, 1].</summary>
public static class Pixels
{
    /// <summary>Why <paramref name="pixels"/> is not one image of <paramref name="shape"/>, or null when it is.</summary>
    public static string? Problem(IReadOnlyList<float> pixels, TensorShape shape)
    {
        if (pixels.Count != shape.Elements)
        {
            return $"expected {shape.Elements} values ({shape}, values in [0, 1]), got {pixels.Count}.";
        }
        for (var i = 0; i < pixels.Count; i++)
        {
            if (!float.IsFinite(pixels[i]) || pixels[i] < 0 || pixels[i] > 1)
            {
                return $"value {i} is {pixels[i]}; every value must be a number in [0, 1].";
            }
        }
        return null;
    }

    public static byte[] ToBytes(IReadOnlyList<float> pixels) => [.. pixels.Select(v => (byte)Math.Round(v * 255))];

    public static float[] FromBytes(ReadOnlySpan<byte> bytes)
    {
        var values = new float[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
        {
            values[i] = bytes[i] / 255f;
        }
        return values;
    }
}
