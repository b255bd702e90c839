using Dashboard.Server.Training;
using Dashboard.Server.Training.Datasets;
using Dashboard.Shared.Networks;
using Dashboard.Shared.Runs;

namespace Dashboard.UnitTests;

public class RunValidationTests
{
    private static readonly DatasetCatalog Catalog = new(Path.GetTempPath());

    [Fact]
    public void The_default_configuration_is_valid()
    {
        Assert.Empty(RunValidation.Validate(new RunConfig(), Catalog));
    }

    [Theory]
    [InlineData("learningRate")]
    [InlineData("batchSize")]
    [InlineData("epochs")]
    [InlineData("validationFraction")]
    [InlineData("momentum")]
    [InlineData("dataset")]
    [InlineData("model")]
    [InlineData("device")]
    [InlineData("precision")]
    public void Each_bad_field_is_reported_under_its_own_name(string field)
    {
        var config = field switch
        {
            "learningRate" => new RunConfig { LearningRate = double.NaN },
            "batchSize" => new RunConfig { BatchSize = 0 },
            "epochs" => new RunConfig { Epochs = RunValidation.MaxEpochs + 1 },
            "validationFraction" => new RunConfig { ValidationFraction = 0.95 },
            "momentum" => new RunConfig { Momentum = 1 },
            "dataset" => new RunConfig { Dataset = "imagenet" },
            "model" => new RunConfig { Model = "resnet" },
            "precision" => new RunConfig { Precision = (Precision)7 },
            _ => new RunConfig { Device = "tpu" },
        };
        var errors = RunValidation.Validate(config, Catalog);
        Assert.Equal([field], errors.Keys);
    }

    [Theory]
    [InlineData(Precision.Fp32, "cpu", true, null)]
    [InlineData(Precision.Bf16, "cpu", true, null)]
    [InlineData(Precision.Bf16, "cpu", false, "bf16 needs a CPU with AVX512-BF16 or AMX")]
    [InlineData(Precision.Bf16, "cuda:0", true, null)]
    [InlineData(Precision.Fp16, "cpu", true, "fp16 needs a CUDA device")]
    [InlineData(Precision.Fp16, "cuda:0", true, null)]
    public void A_precision_is_refused_where_the_device_cannot_train_in_it(Precision precision, string device, bool bf16Native, string? problem)
    {
        var said = RunValidation.PrecisionProblem(precision, device, _ => bf16Native);
        if (problem is null)
        {
            Assert.Null(said);
        }
        else
        {
            Assert.Contains(problem, said);
        }
    }

    [Fact]
    public void Custom_layers_that_do_not_fit_the_dataset_are_reported_under_layers()
    {
        var config = new RunConfig { Layers = [LayerSpec.Flatten(), LayerSpec.Linear(100, 10)] };
        var errors = RunValidation.Validate(config, Catalog);
        Assert.Contains("Layer 1 Linear(100, 10)", Assert.Single(errors["layers"]));
    }

    [Fact]
    public void A_preset_designed_for_another_input_fits_the_dataset_and_one_too_deep_for_its_pictures_is_reported_under_model()
    {
        // LeNet was designed for 3x32x32: on MNIST its first convolution takes one channel.
        Assert.Empty(RunValidation.Validate(new RunConfig { Model = "lenet" }, Catalog));
        Assert.Equal(1, RunValidation.ResolveLayers(new RunConfig { Model = "lenet" }, Catalog.Find("mnist"))![0].In);

        using var temp = new TempFolder();
        var tiny = new Dashboard.Shared.Datasets.PictureFormat(6, 6, 1, Dashboard.Shared.Datasets.PictureResize.Squash, false, Dashboard.Shared.Datasets.PictureBackground.White);
        var report = new Dashboard.Shared.Datasets.ImportReport(["a", "b"], [1, 1], [], [1, 1], false, [], new(0, 0, []), null, 0);
        var images = new ImageSet(TensorShape.Image(1, 6, 6), new byte[2 * 36], [0, 1]);
        var catalog = new DatasetCatalog(temp.Path);
        catalog.Imported.Write(new DatasetManifest("tiny", tiny, ["a", "b"], 2, 0, 2, "test", "", DateTimeOffset.UtcNow, report),
            new PictureSplit(images, ["a/1", "b/1"]), null, new PictureSplit(images, ["a/2", "b/2"]));
        var errors = RunValidation.Validate(new RunConfig { Dataset = "tiny", Model = "lenet" }, catalog);
        Assert.Contains("(1x6x6) from tiny", Assert.Single(errors["model"]));
        Assert.Empty(RunValidation.Validate(new RunConfig { Dataset = "tiny", Model = "mlp-relu" }, catalog));
    }
}
