using Microsoft.AspNetCore.Mvc;

namespace Aiprod.Api.Http;

internal static class ProblemWriting
{
    public static ValueTask WriteProblemAsync(this HttpContext context, PipelineProblem problem) =>
        context.WriteProblemAsync(problem.Status, problem.Code, problem.Title, problem.Detail);

    /// <summary>Answers outside MVC (middleware, authentication) with the same problem details as everything else.</summary>
    public static ValueTask WriteProblemAsync(this HttpContext context, int status, string code, string title, string? detail)
    {
        context.Response.StatusCode = status;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Type = ProblemTypes.For(code), Title = title, Detail = detail },
        });
    }
}
