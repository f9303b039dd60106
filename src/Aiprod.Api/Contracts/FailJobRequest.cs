using Aiprod.Api.OpenApi;
namespace Aiprod.Api.Contracts;

/// <summary>The job failed.</summary>
/// <param name="ErrorMessage">What went wrong. <example>CUDA out of memory at scene 3</example></param>
/// <param name="ExecutionTimeMs">How long the work ran.</param>
[ValidatedAs(typeof(Aiprod.Application.Jobs.Commands.FailJob.FailJobCommand))]
public sealed record FailJobRequest(string ErrorMessage, long? ExecutionTimeMs) : IRequestExample<FailJobRequest>
{
    public static FailJobRequest Example => new("CUDA out of memory at scene 3", 61000);
}
