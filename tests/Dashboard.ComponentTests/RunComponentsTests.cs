using Microsoft.AspNetCore.Components;
using Bunit;
using Dashboard.Client.Components;
using Dashboard.Shared.Runs;

namespace Dashboard.ComponentTests;

public sealed class RunComponentsTests : ComponentTestBase
{
    private static RunRecord Run(RunStatus status, int id = 3) => new()
    {
        Id = id,
        Config = new RunConfig { Model = "cnn-small", Epochs = 4 },
        Status = status,
        Started = new RunStarted("cpu", 2, "1.13.0", 9098, 80, 20, 10, 10),
        QueuePosition = status == RunStatus.Queued ? 2 : null,
    };

    [Fact]
    public void Run_header_shows_status_device_and_progress_and_stop_raises_the_run_id()
    {
        var stopped = new List<int>();
        var cut = Render<RunHeader>(p => p
            .Add(c => c.Run, Run(RunStatus.Running))
            .Add(c => c.Progress, new BatchProgress(2, 5, 10, 0.5, 0.8, 1234, 1))
            .Add(c => c.MayControl, true)
            .Add(c => c.Stop, id => stopped.Add(id)));

        Assert.Equal("Running", cut.Find("[data-testid=run-status]").TextContent.Trim());
        Assert.Contains("cpu, 2 threads, libtorch 1.13.0", cut.Find("[data-testid=run-device]").TextContent);
        Assert.Contains("Epoch 2 of 4, batch 5 / 10, 1,234 img/s", cut.Find("[data-testid=progress-text]").TextContent);
        Assert.Contains("width: 50.0%", cut.Find("[data-testid=progress] > div").GetAttribute("style"));
        cut.Find("[data-testid=stop]").Click();
        Assert.Equal([3], stopped);
    }

    [Fact]
    public void Memo_draws_its_content_again_only_when_its_key_changes()
    {
        var draws = 0;
        RenderFragment content = b => { draws++; b.AddContent(0, $"drawn {draws}"); };
        var key = Run(RunStatus.Running);
        var cut = Render<Memo>(p => p.Add(c => c.Key, key).Add(c => c.ChildContent, content));
        Assert.Equal("drawn 1", cut.Markup);

        cut.Render(p => p.Add(c => c.Key, key with { }).Add(c => c.ChildContent, content)); // an equal record
        Assert.Equal((1, "drawn 1"), (draws, cut.Markup));
        cut.Render(p => p.Add(c => c.Key, key with { Status = RunStatus.Completed }).Add(c => c.ChildContent, content));
        Assert.Equal((2, "drawn 2"), (draws, cut.Markup));
    }

    [Fact]
    public void Run_header_says_why_a_queued_run_waits_when_no_trainer_can_take_it()
    {
        var cut = Render<RunHeader>(p => p.Add(c => c.Run, Run(RunStatus.Queued) with { Waiting = "waiting for a trainer with cuda" }));
        Assert.Equal("Waiting: position 2 in the queue, waiting for a trainer with cuda.", cut.Find("[data-testid=waiting]").TextContent.Trim());
        var plain = Render<RunHeader>(p => p.Add(c => c.Run, Run(RunStatus.Queued)));
        Assert.Equal("Waiting: position 2 in the queue.", plain.Find("[data-testid=waiting]").TextContent.Trim());
    }

    [Fact]
    public void Trainer_table_shows_each_hosts_state_and_run_and_drain_raises_its_name_for_the_operator_only()
    {
        var now = DateTimeOffset.UtcNow;
        Dashboard.Shared.Platform.TrainerView[] trainers =
        [
            new("gpu-1", ["any", "cuda"], "2.11.0", "training", 7, new BatchProgress(2, 5, 10, 0.5, 0.8, 1000, 1), now),
            new("cpu-1", ["any"], "1.13.0", "gone", null, null, now.AddMinutes(-5)),
        ];
        var drained = new List<string>();
        var cut = Render<TrainerTable>(p => p.Add(c => c.Trainers, trainers).Add(c => c.MayControl, true).Add(c => c.Drain, n => drained.Add(n)));

        var rows = cut.FindAll("[data-testid=trainer]");
        Assert.Equal(2, rows.Count);
        Assert.Contains("#7, epoch 2, batch 5 / 10", rows[0].TextContent);
        Assert.Contains("any, cuda", rows[0].TextContent);
        Assert.Equal(["training", "gone"], cut.FindAll("[data-testid=trainer-state]").Select(c => c.TextContent));
        // A gone host cannot be drained.
        Assert.Single(cut.FindAll("[data-testid=drain]")).Click();
        Assert.Equal(["gpu-1"], drained);

        var watcher = Render<TrainerTable>(p => p.Add(c => c.Trainers, trainers).Add(c => c.MayControl, false));
        Assert.Empty(watcher.FindAll("[data-testid=drain]"));
    }

    [Fact]
    public void Run_header_offers_no_stop_to_a_watcher_or_for_a_finished_run_and_shows_the_error()
    {
        var watcher = Render<RunHeader>(p => p.Add(c => c.Run, Run(RunStatus.Running)).Add(c => c.MayControl, false));
        Assert.Empty(watcher.FindAll("[data-testid=stop]"));
        var failed = Render<RunHeader>(p => p.Add(c => c.Run, Run(RunStatus.Failed) with { Error = "out of memory" }).Add(c => c.MayControl, true));
        Assert.Empty(failed.FindAll("[data-testid=stop]"));
        Assert.Contains("out of memory", failed.Markup);
        var queued = Render<RunHeader>(p => p.Add(c => c.Run, Run(RunStatus.Queued)).Add(c => c.MayControl, true));
        Assert.Contains("position 2 in the queue", queued.Markup);
        Assert.Equal("Remove", queued.Find("[data-testid=stop]").TextContent.Trim());
    }

    [Fact]
    public void Queue_table_links_each_run_to_its_page_and_raises_stop()
    {
        var stopped = new List<int>();
        var cut = Render<QueueTable>(p => p
            .Add(c => c.Active, [Run(RunStatus.Running, 4), Run(RunStatus.Queued, 5)])
            .Add(c => c.MayControl, true)
            .Add(c => c.Stop, id => stopped.Add(id)));
        Assert.Equal(["runs/4", "runs/5"], cut.FindAll("[data-testid=queue-link]").Select(a => a.GetAttribute("href")));
        Assert.Contains("queued, position 2", cut.Markup);
        cut.FindAll("[data-testid=queue-row] button")[1].Click();
        Assert.Equal([5], stopped);

        var empty = Render<QueueTable>(p => p.Add(c => c.Active, []));
        Assert.NotNull(empty.Find("[data-testid=queue-empty]"));
    }

    [Fact]
    public void Epoch_and_class_tables_show_a_row_per_epoch_and_per_class()
    {
        var epochs = Render<EpochTable>(p => p.Add(c => c.Epochs,
            [new EpochMetrics(1, 0.5, 0.8, 0.6, 0.75, 1.5, 1000, 0.001, DateTimeOffset.UnixEpoch), new EpochMetrics(2, 0.4, 0.85, null, null, 1.4, 1100, 0.001, DateTimeOffset.UnixEpoch)]));
        Assert.Equal(2, epochs.FindAll("tbody tr").Count);
        Assert.Contains("–", epochs.FindAll("tbody tr")[1].TextContent);
        var classes = Render<ClassTable>(p => p.Add(c => c.Classes, [new ClassMetrics(0, "zero", 10, 0.9, 0.8, 0.9, 0.85)]));
        Assert.Contains("zero", classes.Find("tbody tr").TextContent);
        Assert.Contains("0.8500", classes.Find("tbody tr").TextContent);
    }

    [Fact]
    public void Status_chip_names_the_status()
    {
        var cut = Render<RunStatusChip>(p => p.Add(c => c.Status, RunStatus.Diverged).Add(c => c.TestId, "s"));
        Assert.Equal("Diverged", cut.Find("[data-testid=s]").TextContent.Trim());
    }

    [Fact]
    public void Confusion_matrix_raises_the_clicked_cell_and_creates_its_heatmap()
    {
        var module = JSInterop.SetupModule("./_content/Dashboard.Client/heatmap.js");
        module.Setup<int>("create", _ => true).SetResult(1);
        (int, int)? selected = null;
        var test = new TestMetrics(0.1, 0.5, 4, ["a", "b"], [[1, 1], [1, 1]], [], 100);
        var cut = Render<ConfusionMatrix>(p => p.Add(c => c.Test, test).Add(c => c.CellSelected, cell => selected = cell));
        module.VerifyInvoke("create");
        cut.InvokeAsync(() => cut.Instance.Clicked(1, 0));
        Assert.Equal((1, 0), selected);
    }

    [Fact]
    public void Step_charts_follow_the_run_they_are_given_and_the_smoothing_slider_redraws_both()
    {
        var module = JSInterop.SetupModule("./_content/Dashboard.Client/steps.js");
        module.Setup<int>("create", _ => true).SetResult(7);
        var follow = module.SetupVoid("follow", _ => true);
        var view = module.SetupVoid("view", _ => true);
        var cut = Render<RunCharts>(p => p.Add(c => c.RunId, 12));
        var calls = follow.VerifyInvoke("follow", calledTimes: 2);
        Assert.All(calls, call => Assert.Equal(12, call.Arguments[1]));

        var slider = cut.FindComponent<MudBlazor.MudSlider<double>>();
        cut.InvokeAsync(() => slider.Instance.ValueChanged.InvokeAsync(0.0));

        // Loss and accuracy redraw with the new weight; the axis stays on steps.
        var views = view.VerifyInvoke("view", calledTimes: 2);
        Assert.All(views, v => Assert.Equal("{ x = steps, log = False, smoothing = 0 }", v.Arguments[1]!.ToString()));
    }

    [Fact]
    public void Example_gallery_labels_each_image_with_true_and_predicted_class_and_its_top_probabilities()
    {
        var cut = Render<ExampleGallery>(p => p
            .Add(c => c.Examples, [new TestExample(7, 1, 0, [0.7f, 0.2f, 0.1f], 1, 2, 2, [0, 255, 0, 255]), new TestExample(9, 2, 1, [0.1f, 0.6f, 0.3f], 1, 2, 2, [255, 0, 255, 0])])
            .Add(c => c.Classes, ["zero", "one", "two"]));
        Assert.Equal(["true one → zero", "true two → one"], cut.FindAll("figcaption").Select(f => f.TextContent));
        Assert.Equal("test image #9", cut.FindAll("canvas")[1].GetAttribute("title"));
        Assert.Contains("zero 70", cut.Markup.Replace("\u00a0", " "));
    }
}
