using System.Text.Json.Serialization;
using Aiprod.Domain.Jobs;

namespace Aiprod.Api.WebSockets;

// The server's messages on a job socket, besides the job events themselves (JobEventDto). Each says its "type" first.

internal sealed record ConnectedMessage(JobId JobId, JobStatus Status, int Progress, long EventId, DateTimeOffset UpdatedAt)
{
    [JsonPropertyOrder(-1)]
    public string Type { get; } = "connected";
}

internal sealed record StatusMessage(JobId JobId, JobStatus Status, int Progress, long EventId, DateTimeOffset UpdatedAt)
{
    [JsonPropertyOrder(-1)]
    public string Type { get; } = "status";
}

internal sealed record PongMessage(DateTimeOffset At)
{
    [JsonPropertyOrder(-1)]
    public string Type { get; } = "pong";
}

internal sealed record ErrorMessage(string Message)
{
    [JsonPropertyOrder(-1)]
    public string Type { get; } = "error";
}
