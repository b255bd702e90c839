using System.Net;
using System.Net.Http.Json;
using Dashboard.Shared.Datasets;

namespace Dashboard.IntegrationTests;

public sealed class DatasetsApiTests() : ApiTestBase(train: 200, test: 30)
{
    [Fact]
    public async Task The_overview_gives_sizes_and_images_per_class()
    {
        var overview = await Client.GetFromJsonAsync<DatasetOverview>("/api/datasets/mnist/overview", RunsApiTests.Json);
        Assert.Equal(200, overview!.TrainImages);
        Assert.Equal(30, overview.TestImages);
        Assert.All(overview.TrainPerClass, count => Assert.Equal(20, count));
        Assert.Equal(3, overview.TestPerClass[0]);
    }

    [Fact]
    public async Task Samples_are_seeded_random_training_images_with_their_labels_and_pixels()
    {
        var first = await Client.GetFromJsonAsync<List<DatasetImage>>("/api/datasets/mnist/samples?count=12&seed=5", RunsApiTests.Json);
        var again = await Client.GetFromJsonAsync<List<DatasetImage>>("/api/datasets/mnist/samples?count=12&seed=5", RunsApiTests.Json);
        Assert.Equal(12, first!.Count);
        Assert.Equal(first.Select(s => s.Index), again!.Select(s => s.Index));
        var (pixels, labels) = SyntheticData.Digits(200, seed: 1);
        Assert.All(first, s =>
        {
            Assert.Equal(labels[s.Index], s.Label);
            Assert.Equal(pixels[(s.Index * 784)..((s.Index + 1) * 784)], s.Pixels);
        });
    }

    [Fact]
    public async Task Bad_counts_are_400_and_missing_datasets_404()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync("/api/datasets/mnist/samples?count=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Client.GetAsync("/api/datasets/mnist/samples?count=100000")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/datasets/cifar10/overview")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/api/datasets/imagenet/samples")).StatusCode);
    }
}
