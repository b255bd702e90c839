using Dashboard.Server.Runs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Dashboard.Server.Apis;

/// <summary>Turns a <see cref="RunRequestException"/> into its answer: 404, or 400 on <c>field</c> (or the field its message names first).</summary>
public static class RunRequestResults
{
    public static Results<Ok<T>, ValidationProblem, NotFound<ProblemDetails>> Answer<T>(Func<T> answer, string field)
    {
        try
        {
            return TypedResults.Ok(answer());
        }
        catch (RunRequestException e) when (e.NotFound)
        {
            return TypedResults.NotFound(new ProblemDetails { Title = e.Message, Status = 404 });
        }
        catch (RunRequestException e)
        {
            // A message that starts with its field's name ("target: ...") is filed under that field.
            var named = System.Text.RegularExpressions.Regex.Match(e.Message, "^([a-z][A-Za-z]*): ");
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [named.Success ? named.Groups[1].Value : field] = [e.Message] });
        }
    }

    /// <summary>The same for an answer that is a PNG image.</summary>
    public static IResult Png(Func<byte[]> image, string field) =>
        Answer(image, field).Result switch
        {
            Ok<byte[]> ok => TypedResults.File(ok.Value!, "image/png"),
            var refused => refused,
        };
}
