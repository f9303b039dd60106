using System.Runtime.CompilerServices;
using System.Text.Json;
using Aiprod.Application.Jobs.Dtos;
using Microsoft.Extensions.Options;

namespace Aiprod.Api.WebSockets;

/// <summary>
/// The JSON of live job events, serialized once for every socket that follows the job. The bus hands each subscriber
/// of this instance the same <see cref="JobEventDto"/>, so its bytes are kept beside it, for as long as any socket's
/// queue still holds it, and every socket sends the same array. Before, each of 10,000 sockets serialized the event
/// again. Events read from the database for one socket (a replay, a gap) are serialized by that socket alone.
/// </summary>
public sealed class JobEventJson
{
    private readonly ConditionalWeakTable<JobEventDto, byte[]> serialized = new();
    private readonly ConditionalWeakTable<JobEventDto, byte[]>.CreateValueCallback serialize;

    public JobEventJson(IOptions<Microsoft.AspNetCore.Mvc.JsonOptions> json)
    {
        var options = Options = json.Value.JsonSerializerOptions;
        serialize = e => JsonSerializer.SerializeToUtf8Bytes(e, options);
    }

    /// <summary>
    /// The options these bytes are written with. A job socket serializes what it sends alone (a replay, a gap, its
    /// status) with these same options, so a live event and the same event replayed read alike.
    /// </summary>
    public JsonSerializerOptions Options { get; }

    /// <summary>The event's UTF-8 JSON. Read-only: every socket that follows the job sends this same array.</summary>
    public ReadOnlyMemory<byte> Of(JobEventDto e) => serialized.GetValue(e, serialize);
}
