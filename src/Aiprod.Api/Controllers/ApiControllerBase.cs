using Aiprod.Api.Http;
using Aiprod.Application.Idempotency;
using Aiprod.Domain.Common;
using Mediator;
using Microsoft.AspNetCore.Mvc;

namespace Aiprod.Api.Controllers;

/// <summary>Thin controllers: bind, send one message, map the result to HTTP.</summary>
[ApiController]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status429TooManyRequests, "application/problem+json")]
[ProducesResponseType<ProblemDetails>(StatusCodes.Status500InternalServerError, "application/problem+json")]
public abstract class ApiControllerBase : ControllerBase
{
    private ISender? sender;

    protected ISender Sender => sender ??= HttpContext.RequestServices.GetRequiredService<ISender>();

    protected IActionResult Problem(Error error)
    {
        var problem = ProblemFor(error);
        return new ObjectResult(problem) { StatusCode = problem.Status };
    }

    /// <summary>The problem an error answers, on its own route or as an item of a batch.</summary>
    protected ProblemDetails ProblemFor(Error error) =>
        ProblemDetailsFactory.CreateProblemDetails(HttpContext, StatusOf(error), type: ProblemTypes.For(error.Code), detail: error.Message);

    /// <summary>The status an error answers (also the status its example is filed under in the OpenAPI document).</summary>
    internal static int StatusOf(Error error) => error.Kind switch
    {
        ErrorKind.Validation => StatusCodes.Status400BadRequest,
        ErrorKind.Unauthorized => StatusCodes.Status401Unauthorized,
        ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        ErrorKind.NotFound => StatusCodes.Status404NotFound,
        ErrorKind.Conflict => StatusCodes.Status409Conflict,
        ErrorKind.Locked => StatusCodes.Status423Locked,
        ErrorKind.TooManyRequests => StatusCodes.Status429TooManyRequests,
        ErrorKind.Gone => StatusCodes.Status410Gone,
        ErrorKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
        ErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        ErrorKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>
    /// The <c>Idempotency-Key</c> a route bound, or "" when the header was sent empty (which binding reads as none), so
    /// that the command's validation refuses it instead of running the request without a key.
    /// </summary>
    protected string? IdempotencyKeyOf(string? bound) =>
        bound ?? (Request.Headers.ContainsKey("Idempotency-Key") ? "" : null);

    /// <summary>Says <c>Idempotent-Replayed: true</c> when the answer is the replay of a key's first answer.</summary>
    protected T MarkReplayed<T>(IdempotentAnswer<T> answer)
    {
        if (answer.Replayed)
        {
            Response.Headers["Idempotent-Replayed"] = "true";
        }

        return answer.Value;
    }

    protected IActionResult ToActionResult<T>(Result<T> result, Func<T, IActionResult> onSuccess) =>
        result.IsSuccess ? onSuccess(result.Value) : Problem(result.Error);
}
