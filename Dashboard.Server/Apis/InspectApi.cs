using Dashboard.Server.Inference;
using Dashboard.Server.Runs;
using Dashboard.Shared.Datasets;
using Dashboard.Shared.Runs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Server.Apis;

/// <summary>A run's confusion matrix with per-class scores.</summary>
public sealed record ConfusionResponse(int RunId, double Accuracy, int Images, IReadOnlyList<string> Classes, int[][] Matrix, IReadOnlyList<ClassMetrics> PerClass);

/// <summary>Looking into a completed run: confusion matrix, the images in a cell, the surest mistakes, the data split.</summary>
public static class InspectApi
{
    public static IEndpointRouteBuilder MapInspectApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/runs/{id:int}").WithTags("Runs");
        api.MapGet("/confusion", Confusion);
        api.MapGet("/confusion/{trueClass:int}/{predicted:int}", Cell);
        api.MapGet("/confusion/{trueClass:int}/{predicted:int}.png", CellSheet);
        api.MapGet("/mistakes", Mistakes);
        api.MapGet("/mistakes.png", MistakesSheet);
        api.MapGet("/split", Split);
        return app;
    }

    private static Results<Ok<ConfusionResponse>, NotFound<ProblemDetails>> Confusion(int id, IRunControl runs) =>
        runs.Get(id) switch
        {
            null => NotFound($"Run {id} does not exist."),
            { Test: null } => NotFound($"Run {id} has no test results yet (it is tested when it completes)."),
            { Test: { } t } => TypedResults.Ok(new ConfusionResponse(id, t.Accuracy, t.Images, t.Classes, t.ConfusionMatrix, t.PerClass)),
        };

    private static Results<Ok<CellExamples>, ValidationProblem, NotFound<ProblemDetails>> Cell(int id, int trueClass, int predicted, RunInspector inspector, int limit = 50) =>
        RunRequestResults.Answer(() => inspector.Cell(id, trueClass, predicted, limit), "cell");

    private static Results<Ok<IReadOnlyList<TestExample>>, ValidationProblem, NotFound<ProblemDetails>> Mistakes(int id, RunInspector inspector, int limit = 24) =>
        RunRequestResults.Answer(() => inspector.ConfidentMistakes(id, limit), "run");

    /// <summary>The cell's images as one PNG contact sheet, in the JSON answer's order.</summary>
    private static IResult CellSheet(int id, int trueClass, int predicted, RunInspector inspector, int limit = 50) =>
        RunRequestResults.Png(() => Sheet(inspector.Cell(id, trueClass, predicted, limit).Examples), "cell");

    /// <summary>The surest mistakes as one PNG contact sheet, in the JSON answer's order.</summary>
    private static IResult MistakesSheet(int id, RunInspector inspector, int limit = 24) =>
        RunRequestResults.Png(() => Sheet(inspector.ConfidentMistakes(id, limit)), "run");

    private static byte[] Sheet(IReadOnlyList<TestExample> examples) =>
        examples.Count == 0 ? ImageFiles.Sheet([], 1, 28, 28, 1, 2)
        : ImageFiles.Sheet([.. examples.Select(e => e.Pixels)], examples[0].Channels, examples[0].Height, examples[0].Width, columns: 10, scale: 2);

    private static Results<Ok<DatasetSplit>, NotFound<ProblemDetails>> Split(int id, IRunControl runs, IDatasetExplorer explorer) =>
        runs.Get(id) is not { } run ? NotFound($"Run {id} does not exist.")
        : explorer.Split(run.Config) is { } split ? TypedResults.Ok(split)
        : NotFound($"Run {id}'s dataset '{run.Config.Dataset}' is not installed.");

    private static NotFound<ProblemDetails> NotFound(string title) => TypedResults.NotFound(new ProblemDetails { Title = title, Status = 404 });
}
