using Dashboard.Server.Training.Datasets;

namespace Dashboard.UnitTests;

public class DatasetReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Idx_files_raw_and_gzip_read_back_the_written_images_and_labels(bool gzip)
    {
        using var temp = new TempFolder();
        SyntheticData.WriteMnistLike(temp.Path, train: 30, test: 20, gzip: gzip);
        var (train, test) = new DatasetCatalog(temp.Path).Load("mnist");
        var (pixels, labels) = SyntheticData.Digits(30, seed: 1);
        Assert.Equal(pixels, train.Pixels);
        Assert.Equal(labels, train.Labels);
        Assert.Equal("(1x28x28)", train.Shape.ToString());
        Assert.Equal(20, test.Count);
    }

    [Fact]
    public void Bad_magic_names_the_file_and_the_expected_magic()
    {
        using var temp = new TempFolder();
        var path = temp.File("images");
        File.WriteAllBytes(path, [0x1f, 0x00, 0x08, 0x03, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 7]);
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("bad magic", e.Message);
        Assert.Contains("0x00000803", e.Message);
    }

    [Fact]
    public void Truncated_file_reports_wrong_length_with_both_sizes()
    {
        using var temp = new TempFolder();
        var path = temp.File("images");
        SyntheticData.WriteIdx(path, [3, 28, 28], new byte[3 * 784]);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadImages(path));
        Assert.Contains("wrong length", e.Message);
        Assert.Contains("2352", e.Message);
        Assert.Contains("2252", e.Message);
    }

    [Fact]
    public void Corrupt_gzip_is_reported_as_corrupt()
    {
        using var temp = new TempFolder();
        var path = temp.File("images.gz");
        File.WriteAllBytes(path, [0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadImages(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("corrupt gzip", e.Message);
    }

    [Fact]
    public void Label_and_image_count_mismatch_names_both_counts_and_how_to_install()
    {
        using var temp = new TempFolder();
        SyntheticData.WriteMnistLike(temp.Path, train: 30, test: 20);
        SyntheticData.WriteIdx(Path.Combine(temp.Path, "mnist", "train-labels-idx1-ubyte"), [29], new byte[29]);
        var e = Assert.Throws<DatasetException>(() => new DatasetCatalog(temp.Path).Load("mnist"));
        Assert.Contains("count mismatch", e.Message);
        Assert.Contains("29 labels but 30 images", e.Message);
        Assert.Contains("scripts/setup.sh", e.Message);
    }

    [Fact]
    public void Label_outside_the_classes_is_rejected()
    {
        using var temp = new TempFolder();
        var path = temp.File("labels");
        SyntheticData.WriteIdx(path, [3], [1, 12, 3]);
        var e = Assert.Throws<DatasetException>(() => IdxReader.ReadLabels(path, 10));
        Assert.Contains("label 12 at position 1", e.Message);
    }

    [Fact]
    public void Missing_dataset_is_listed_as_unavailable_with_the_install_hint()
    {
        using var temp = new TempFolder();
        var catalog = new DatasetCatalog(temp.Path);
        var mnist = catalog.Find("mnist")!;
        Assert.False(mnist.Available);
        Assert.Contains("train-images-idx3-ubyte", mnist.Problem);
        Assert.Contains("scripts/setup.sh", mnist.Problem);
        var e = Assert.Throws<DatasetException>(() => catalog.Load("mnist"));
        Assert.Contains("file not found", e.Message);
    }

    [Fact]
    public void Cifar_batches_read_labels_and_planar_rgb_pixels()
    {
        using var temp = new TempFolder();
        SyntheticData.WriteCifarLike(temp.Path, perBatch: 12);
        var catalog = new DatasetCatalog(temp.Path);
        Assert.True(catalog.Find("cifar10")!.Available);
        var (train, test) = catalog.Load("cifar10");
        Assert.Equal(60, train.Count);
        Assert.Equal(12, test.Count);
        Assert.Equal(60 * 3072, train.Pixels.Length);
        var (pixels, labels) = SyntheticData.Digits(12, seed: 0, side: 32, channels: 3);
        Assert.Equal(labels, train.Labels[..12]);
        Assert.Equal(pixels, train.Pixels[..(12 * 3072)]);
    }

    [Fact]
    public void Cifar_batch_of_the_wrong_length_names_the_record_size()
    {
        using var temp = new TempFolder();
        var path = temp.File("data_batch_1.bin");
        File.WriteAllBytes(path, SyntheticData.CifarBatch(2, 0)[..^1]);
        var e = Assert.Throws<DatasetException>(() => CifarReader.Read([path]));
        Assert.Contains("3073-byte", e.Message);
        Assert.Contains(path, e.Message);
    }
}
