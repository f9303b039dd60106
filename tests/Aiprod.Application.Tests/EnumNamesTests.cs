using System.Text.Json;
using System.Text.Json.Serialization;
using Aiprod.Application.Common;
using Aiprod.Application.Jobs;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Jobs;

namespace Aiprod.Application.Tests;

public sealed class EnumNamesTests
{
    private static readonly Type[] OurEnums = [.. new[] { typeof(Domain.Users.User).Assembly, typeof(DependencyInjection).Assembly }
        .SelectMany(a => a.GetTypes()).Where(t => t.IsEnum && t.IsPublic)];

    /// <summary>The API's JSON for every enum that names none of its members (statuses, presets…): unchanged by EnumNames.</summary>
    [Fact]
    public void AnEnumWithoutDeclaredNames_IsSpelledAsTheFrameworkWritesItInJson()
    {
        var json = new JsonSerializerOptions { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) } };
        var undeclared = OurEnums.Where(t => !EnumNames.DeclaresWireNames(t)).ToList();
        Assert.Contains(typeof(JobStatus), undeclared);

        foreach (var type in undeclared)
        {
            foreach (var value in Enum.GetValues(type))
            {
                Assert.Equal(JsonSerializer.Serialize(value, type, json), $"\"{EnumNames.Of(type, value)}\"");
            }
        }
    }

    [Fact]
    public void TheClosedSets_AreSpelledAsTheApiAlwaysSpelledThem()
    {
        Assert.Equal(["debug", "info", "warning", "error"], EnumNames.All<JobLogLevel>());
        Assert.Equal(["exports:read", "jobs:read", "jobs:write", "pipeline:worker"], EnumNames.All<ApiKeyScope>());
        Assert.Equal(["-created_at", "created_at", "priority", "-priority", "updated_at", "-updated_at"], EnumNames.All<JobSortOrder>());
        Assert.All([typeof(JobLogLevel), typeof(ApiKeyScope), typeof(JobSortOrder)], t => Assert.True(EnumNames.DeclaresWireNames(t), t.Name));
    }

    [Fact]
    public void EveryDeclaredName_ParsesBackToItsMember()
    {
        foreach (var type in OurEnums)
        {
            Assert.Equal(EnumNames.All(type).Count, EnumNames.All(type).Distinct(StringComparer.Ordinal).Count());
            foreach (var value in Enum.GetValues(type))
            {
                Assert.True(EnumNames.TryParse(type, EnumNames.Of(type, value), out var parsed));
                Assert.Equal(value, parsed);
            }
        }
    }

    [Theory]
    [InlineData("INFO")]
    [InlineData("Info")]
    [InlineData(" info")]
    [InlineData("info ")]
    [InlineData("info, warning")]
    [InlineData("1")]
    [InlineData("")]
    [InlineData(null)]
    public void Parse_TakesTheExactNameOnly(string? name) => Assert.False(EnumNames.TryParse<JobLogLevel>(name, out _));

    [Fact]
    public void Of_RefusesAValueOutsideTheSet() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => EnumNames.Of((ApiKeyScope)42));

    /// <summary>A key lists its scopes in member order; before scopes were a type, the order was the names' ordinal order.</summary>
    [Fact]
    public void ApiKeyScopes_AreDeclaredInTheOrdinalOrderOfTheirNames() =>
        Assert.Equal(EnumNames.All<ApiKeyScope>().Order(StringComparer.Ordinal), EnumNames.All<ApiKeyScope>());
}
