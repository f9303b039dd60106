namespace Aiprod.Application.Jobs.Dtos;

/// <summary>What the worker produced.</summary>
/// <param name="Success">Whether the job succeeded.</param>
/// <param name="Output">The worker's output (a JSON document), when it completed.</param>
/// <param name="ErrorMessage">Why it failed.</param>
/// <param name="ExecutionTimeMs">How long the work took.</param>
/// <param name="CompletedAt">When it ended.</param>
public sealed record JobResultDto(bool Success, System.Text.Json.JsonElement? Output, string? ErrorMessage, long? ExecutionTimeMs, DateTimeOffset? CompletedAt);
