namespace Dashboard.Client.Components;

/// <summary>
/// What the drawing pad holds: width x height grey bytes, ink bright; Sequence identifies it for latency measurement;
/// PenUp is false for the drawings sent while a stroke goes on.
/// </summary>
public sealed record PadDrawing(byte[] Pixels, int Width, int Height, int Sequence, bool PenUp = true);
