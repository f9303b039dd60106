using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Aiprod.Application.Jobs.Commands.SubmitJob;
using Aiprod.Domain.Jobs;
using FluentValidation;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Functional.Tests.OpenApi;

/// <summary>
/// The OpenAPI document as a product: the served one is the checked-in one, and every operation carries what a
/// generated client and a reader need.
/// </summary>
public sealed partial class OpenApiDocumentTests
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options"];

    [GeneratedRegex("^[A-Z][A-Za-z]*_[A-Z][A-Za-z]*$")]
    private static partial Regex OperationIdShape();

    [Fact]
    public async Task TheServedDocument_IsTheCheckedInOne()
    {
        await using var host = OpenApiRepository.PublishedConfigurationHost();

        var served = await OpenApiRepository.ServedDocumentAsync(host);
        var checkedIn = OpenApiRepository.CheckedInDocument();

        var difference = FirstDifference(checkedIn, served, "#");
        Assert.True(difference is null,
            $"openapi/v1.json differs from the served document at {difference}. Regenerate it: tools/openapi/regenerate.sh");
    }

    [Fact]
    public void EveryOperation_HasAnIdASummaryADescriptionAndItsSecurity()
    {
        var document = OpenApiRepository.CheckedInDocument();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (where, operation) in Operations(document))
        {
            var id = operation["operationId"]?.GetValue<string>();
            Assert.True(id is not null && OperationIdShape().IsMatch(id), $"{where}: operationId '{id}' is not {{Tag}}_{{Action}}");
            Assert.True(ids.Add(id), $"{where}: operationId {id} is used twice");
            Assert.False(string.IsNullOrWhiteSpace(operation["summary"]?.GetValue<string>()), $"{where} has no summary");
            Assert.False(string.IsNullOrWhiteSpace(operation["description"]?.GetValue<string>()), $"{where} has no description");
            Assert.True(operation["security"] is JsonArray, $"{where} does not state its security");
        }
    }

    [Fact]
    public void EveryOperation_StatesItsRateLimitOnce()
    {
        // The security filter appends the limit in force; a description written by hand must not say it again.
        var document = OpenApiRepository.CheckedInDocument();
        foreach (var (where, operation) in Operations(document))
        {
            var description = operation["description"]?.GetValue<string>() ?? string.Empty;
            var mentions = Regex.Count(description, "rate limit:", RegexOptions.IgnoreCase);
            Assert.True(mentions <= 1, $"{where} states its rate limit {mentions} times: {description}");
        }
    }

    [Fact]
    public void AnonymousRoutes_SayNoSecurity_AndProtectedOnesNameTheirSchemes()
    {
        var document = OpenApiRepository.CheckedInDocument();

        Assert.Empty(document["paths"]!["/auth/login"]!["post"]!["security"]!.AsArray());
        Assert.Empty(document["paths"]!["/health"]!["get"]!["security"]!.AsArray());
        var submit = document["paths"]!["/pipeline/run"]!["post"]!["security"]!.AsArray();
        Assert.Equal(["Bearer", "ApiKey"], submit.Select(r => r!.AsObject().Single().Key));
        var claim = document["paths"]!["/pipeline/worker/claim"]!["post"]!["security"]!.AsArray();
        Assert.Equal(["ApiKey"], claim.Select(r => r!.AsObject().Single().Key));
    }

    [Fact]
    public void EveryRequestBody_HasAnExample()
    {
        var document = OpenApiRepository.CheckedInDocument();
        foreach (var (where, operation) in Operations(document))
        {
            foreach (var (media, content) in operation["requestBody"]?["content"]?.AsObject() ?? [])
            {
                Assert.True(content!["example"] is not null, $"{where} ({media}) has no request example: give its record IRequestExample<T>, or the action [FormExample]");
            }
        }
    }

    [Fact]
    public void EveryProblemAnswer_IsAProblemDetails()
    {
        var document = OpenApiRepository.CheckedInDocument();
        foreach (var (where, operation) in Operations(document))
        {
            foreach (var (status, response) in operation["responses"]!.AsObject())
            {
                if (status is "401" or "403" or "413" or "415" or "429" or "500" && where.StartsWith("POST /connect/", StringComparison.Ordinal) is false)
                {
                    Assert.True(response!["content"]?["application/problem+json"] is not null, $"{where} {status} is not described as application/problem+json");
                }
            }
        }
    }

    [Fact]
    public void TheRequestSchemas_StateTheValidatorsRules()
    {
        var schemas = OpenApiRepository.CheckedInDocument()["components"]!["schemas"]!;

        var run = schemas["RunJobRequest"]!;
        Assert.Equal(["content"], run["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(PipelineJob.ContentMaxLength, run["properties"]!["content"]!["maxLength"]!.GetValue<int>());
        Assert.Equal(1, run["properties"]!["content"]!["minLength"]!.GetValue<int>());
        Assert.Equal(PipelineJob.MinDurationSec, run["properties"]!["duration_sec"]!["minimum"]!.GetValue<int>());
        Assert.Equal(PipelineJob.MaxDurationSec, run["properties"]!["duration_sec"]!["maximum"]!.GetValue<int>());
        Assert.Equal("^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$", run["properties"]!["lang"]!["pattern"]!.GetValue<string>());

        var register = schemas["RegisterRequest"]!;
        Assert.Equal(12, register["properties"]!["password"]!["minLength"]!.GetValue<int>());
        Assert.Contains("password", register["required"]!.AsArray().Select(n => n!.GetValue<string>()));

        // [Required] on a record's parameter is MVC's own check of a value type left out.
        Assert.Contains("progress", schemas["ProgressRequest"]!["required"]!.AsArray().Select(n => n!.GetValue<string>()));

        // [Required, MinLength, MaxLength] on a batch's list: MVC's check of the item count, stated as minItems/maxItems.
        foreach (var (schema, list) in new[] { ("RunJobBatchRequest", "jobs"), ("CancelJobBatchRequest", "job_ids") })
        {
            var items = schemas[schema]!["properties"]![list]!;
            Assert.Equal((1, 100), (items["minItems"]!.GetValue<int>(), items["maxItems"]!.GetValue<int>()));
            Assert.Equal([list], schemas[schema]!["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        }
    }

    [Fact]
    public async Task ARuleAddedToAValidator_ShowsUpInTheDocument()
    {
        await using var host = OpenApiRepository.PublishedConfigurationHost(
            replaceServices: s => s.AddScoped<IValidator<SubmitJobCommand>, StricterSubmitJobValidator>());

        var run = (await OpenApiRepository.ServedDocumentAsync(host))["components"]!["schemas"]!["RunJobRequest"]!;

        Assert.Equal(7, run["properties"]!["lang"]!["maxLength"]!.GetValue<int>());
        Assert.Equal(3, run["properties"]!["lang"]!["minLength"]!.GetValue<int>());
        Assert.Contains("lang", run["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("10", run["properties"]!["duration_sec"]!["minimum"]!.ToJsonString());
        Assert.Equal(300, run["properties"]!["duration_sec"]!["maximum"]!.GetValue<int>());
    }

    [Fact]
    public void TheServers_AreTheServingHostThenTheEmbeddedDefault()
    {
        var servers = OpenApiRepository.CheckedInDocument()["servers"]!.AsArray();

        Assert.Equal(["/", "http://localhost:5080"], servers.Select(s => s!["url"]!.GetValue<string>()));
    }

    [Fact]
    public async Task TheServersEntry_IsConfigurable()
    {
        await using var host = OpenApiRepository.PublishedConfigurationHost(new Dictionary<string, string?>
        {
            ["OpenApi:Servers:0:Url"] = "https://api.aiprod.test",
            ["OpenApi:Servers:0:Description"] = "Production",
        });

        var servers = (await OpenApiRepository.ServedDocumentAsync(host))["servers"]!.AsArray();

        Assert.Equal("https://api.aiprod.test", Assert.Single(servers)!["url"]!.GetValue<string>());
        Assert.Equal("Production", servers[0]!["description"]!.GetValue<string>());
    }

    internal static IEnumerable<(string Where, JsonNode Operation)> Operations(JsonNode document)
    {
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                if (Methods.Contains(method))
                {
                    yield return ($"{method.ToUpperInvariant()} {path}", operation!);
                }
            }
        }
    }

    private static string? FirstDifference(JsonNode? expected, JsonNode? actual, string at)
    {
        switch (expected, actual)
        {
            case (JsonObject e, JsonObject a):
                foreach (var key in e.Select(p => p.Key).Union(a.Select(p => p.Key)))
                {
                    if (!e.ContainsKey(key) || !a.ContainsKey(key))
                    {
                        return $"{at}/{key} ({(e.ContainsKey(key) ? "only in the checked-in document" : "only in the served document")})";
                    }

                    if (FirstDifference(e[key], a[key], $"{at}/{key}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case (JsonArray e, JsonArray a):
                if (e.Count != a.Count)
                {
                    return $"{at} ({e.Count} items checked in, {a.Count} served)";
                }

                for (var i = 0; i < e.Count; i++)
                {
                    if (FirstDifference(e[i], a[i], $"{at}/{i}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            default:
                return JsonNode.DeepEquals(expected, actual) ? null : $"{at} ({expected?.ToJsonString()} checked in, {actual?.ToJsonString()} served)";
        }
    }

    /// <summary>A rule a developer might add: the document must state it without anything else changing.</summary>
    private sealed class StricterSubmitJobValidator : AbstractValidator<SubmitJobCommand>
    {
        public StricterSubmitJobValidator()
        {
            RuleFor(c => c.Lang).NotEmpty().Length(3, 7);
            RuleFor(c => c.DurationSec).GreaterThanOrEqualTo(10).LessThanOrEqualTo(300);
        }
    }
}
