using System.Text.Json;
using Bunit;
using Dashboard.Client.Components;
using Dashboard.Shared.Runs;
using Dashboard.Shared.Sweeps;
using MudBlazor;

namespace Dashboard.ComponentTests;

public sealed class SweepComponentsTests : ComponentTestBase
{
    [Fact]
    public void The_sweep_panel_raises_a_sweep_of_the_ticked_fields_and_refuses_a_field_it_cannot_read()
    {
        Render<MudPopoverProvider>();
        SweepSpec? started = null;
        var cut = Render<SweepPanel>(p => p.Add(c => c.MayControl, true).Add(c => c.Start, s => started = s));
        cut.Find(".mud-expand-panel-header").Click();
        Assert.True(cut.Find("[data-testid=start-sweep]").HasAttribute("disabled"));

        // MudBlazor applies a field's change asynchronously: each is waited for before the next step.
        cut.Find("input[data-testid=vary-learningRate]").Change(true);
        cut.Find("input[data-testid=vary-batchSize]").Change(true);
        cut.WaitForAssertion(() => Assert.False(cut.Find("input[data-testid=space-batchSize]").HasAttribute("disabled")));
        cut.Find("input[data-testid=space-batchSize]").Change("32, 64");
        cut.WaitForAssertion(() => Assert.Equal("32, 64", cut.Find("input[data-testid=space-batchSize]").GetAttribute("value")));
        cut.WaitForAssertion(() => Assert.False(cut.Find("[data-testid=start-sweep]").HasAttribute("disabled")));
        cut.Find("[data-testid=start-sweep]").Click();

        cut.WaitForAssertion(() => Assert.NotNull(started));
        Assert.Equal(["learningRate", "batchSize"], started!.Space.Keys);
        Assert.Equal((ParameterSpace.LogUniform, 1e-4, 0.1), (started.Space["learningRate"].Distribution, started.Space["learningRate"].Min!.Value, started.Space["learningRate"].Max!.Value));
        Assert.Equal([32, 64], started.Space["batchSize"].Values!.Select(v => v.GetInt32()));
        Assert.Equal((SweepMethod.Random, 12, 3), (started.Method, started.Trials, started.EarlyStopping!.Eta));

        cut.Find("input[data-testid=space-batchSize]").Change("");
        cut.WaitForAssertion(() => Assert.Contains("give a range", cut.Markup));
        Assert.True(cut.Find("[data-testid=start-sweep]").HasAttribute("disabled"));
    }

    [Fact]
    public void The_trials_table_shows_each_trials_parameters_and_rungs_and_only_the_brushed_ones_when_filtered()
    {
        static JsonElement J(object v) => JsonSerializer.SerializeToElement(v);
        var sweep = new SweepRecord
        {
            Id = 1,
            Spec = new SweepSpec { Space = new Dictionary<string, ParameterSpace> { ["learningRate"] = new() { Distribution = ParameterSpace.LogUniform, Min = 1e-4, Max = 0.1 } } },
            Trials = [.. new[] { (0.001, RunStatus.Completed, true), (0.05, RunStatus.Pruned, false), (0.0002, RunStatus.Running, true) }.Select((t, i) => new SweepTrial
            {
                Number = i + 1, RunId = 10 + i, Status = t.Item2, Metric = 0.9 - i / 10.0,
                Parameters = new Dictionary<string, JsonElement> { ["learningRate"] = J(t.Item1) },
                Rungs = [new RungResult(1, 0.9 - i / 10.0, t.Item3)],
            })],
        };
        var cut = Render<SweepTrialsTable>(p => p.Add(c => c.Sweep, sweep));
        Assert.Equal(["1", "2", "3"], cut.FindAll("[data-testid=trial-number]").Select(e => e.TextContent));
        Assert.Contains("at epoch 1", cut.Markup);
        Assert.Contains("80.00 % ✗", cut.Markup);
        Assert.Contains(">0.05<", cut.Markup);
        Assert.Contains(">2.00e-04<", cut.Markup);

        cut.Render(p => p.Add(c => c.Filter, new HashSet<int> { 2 }));
        Assert.Equal(["2"], cut.FindAll("[data-testid=trial-number]").Select(e => e.TextContent));
        cut.Render(p => p.Add(c => c.Filter, new HashSet<int>()));
        Assert.Contains("No trial lies within the brushed ranges.", cut.Markup);
    }
}
