namespace Dashboard.Client.Components;

/// <summary>One image for <see cref="ImageGrid"/>: C x H x W bytes (0-255), a caption and a hover title; File, the picture it came from (shown under it).</summary>
public sealed record GridImage(int Channels, int Height, int Width, byte[] Pixels, string Caption, string? Title = null)
{
    public string? File { get; init; }
}
