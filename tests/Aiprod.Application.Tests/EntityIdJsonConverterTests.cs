using System.Text.Json;
using Aiprod.Application.ApiKeys.Dtos;
using Aiprod.Application.Common;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Tests;

/// <summary>A typed id is written and read exactly as the GUID it wraps, wherever the application writes JSON.</summary>
public sealed class EntityIdJsonConverterTests
{
    private static readonly Guid Sample = Guid.Parse("0190a6e2-4b8c-7d3e-9f10-2a3b4c5d6e7f");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new EntityIdJsonConverter() },
    };

    [Fact]
    public void AnId_IsWrittenAsItsGuid_AndReadBack()
    {
        var ack = new WorkerAckDto(new JobId(Sample), JobStatus.Running, null);

        var text = JsonSerializer.Serialize(ack, Json);

        Assert.Contains($"\"job_id\":{JsonSerializer.Serialize(Sample)}", text, StringComparison.Ordinal);
        Assert.Equal(ack, JsonSerializer.Deserialize<WorkerAckDto>(text, Json));
    }

    [Fact]
    public void TheTextAGuidPropertyWrote_IsReadAsTheId()
    {
        // What instances that still had Guid properties put on Redis, or a client sends.
        var written = JsonSerializer.Serialize(new { type = "progress", job_id = Sample, event_id = 3L, at = DateTimeOffset.UnixEpoch }, Json);

        var read = JsonSerializer.Deserialize<JobEventDto>(written, Json)!;

        Assert.Equal(new JobId(Sample), read.JobId);
    }

    [Fact]
    public void NullableIdsAndListsOfIds_AreNullsAndArraysOfGuids()
    {
        var key = new ApiKeyId(Sample);
        var recommendation = new ApiKeyRecommendation("never_used", "low", "revoke it", [key, key]);

        Assert.Equal($"[\"{Sample}\",\"{Sample}\"]", JsonSerializer.SerializeToElement(recommendation, Json).GetProperty("key_ids").GetRawText());
        Assert.Equal("null", JsonSerializer.Serialize<ApiKeyId?>(null, Json));
        Assert.Equal($"\"{Sample}\"", JsonSerializer.Serialize<ApiKeyId?>(key, Json));
        Assert.Equal(key, JsonSerializer.Deserialize<ApiKeyId?>($"\"{Sample}\"", Json));
        Assert.Null(JsonSerializer.Deserialize<ApiKeyId?>("null", Json));
    }

    [Fact]
    public void AnIdBoxedAsObject_IsWrittenAsItsGuid()
    {
        // Audit details are a dictionary of objects: the converter is chosen by the runtime type.
        var details = new Dictionary<string, object?> { ["key_id"] = new ApiKeyId(Sample), ["key_ids"] = new List<ApiKeyId> { new(Sample) } };

        Assert.Equal($"{{\"key_id\":\"{Sample}\",\"key_ids\":[\"{Sample}\"]}}", JsonSerializer.Serialize(details, Json));
    }

    [Theory]
    [InlineData("\"not-a-guid\"")]
    [InlineData("42")]
    [InlineData("{\"value\":\"0190a6e2-4b8c-7d3e-9f10-2a3b4c5d6e7f\"}")]
    [InlineData("\"\"")]
    public void AnythingButAGuidString_IsAJsonError(string json) =>
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<JobId>(json, Json));

    [Fact]
    public void TheConverter_TakesTypedIdsOnly()
    {
        var converter = new EntityIdJsonConverter();

        Assert.True(converter.CanConvert(typeof(JobId)));
        Assert.False(converter.CanConvert(typeof(Guid)));
        Assert.False(converter.CanConvert(typeof(JobStatus)));
        Assert.False(converter.CanConvert(typeof(WorkerAckDto)));
    }
}
