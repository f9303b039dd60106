namespace Aiprod.Api.Contracts;

/// <summary>The job failed.</summary>
/// <param name="ErrorMessage">What went wrong. <example>CUDA out of memory at scene 3</example></param>
/// <param name="ExecutionTimeMs">How long the work ran.</param>
public sealed record FailJobRequest(string ErrorMessage, long? ExecutionTimeMs);
