using System.Reflection;
using Aiprod.Domain.Audit;

namespace Aiprod.Domain.Tests;

public sealed class AuditEventTypesTests
{
    private static readonly string[] AllNames = typeof(AuditEventTypes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    public static TheoryData<string> Names => new(AllNames);

    [Theory]
    [MemberData(nameof(Names))]
    public void EveryName_IsResourceDotActionInLowerCase(string name)
    {
        Assert.True(AuditEventTypes.FollowsTheScheme(name), name);
        Assert.Single(AllNames, n => n == name);
    }

    [Theory]
    [InlineData("API_KEY_CREATED")]
    [InlineData("user_registered")]
    [InlineData("authn_login_failed")]
    [InlineData("Api_Key.Created")]
    [InlineData("api-key.created")]
    [InlineData("api_key.")]
    [InlineData(".created")]
    [InlineData("api_key.created.twice")]
    [InlineData("api_key._created")]
    public void Record_RefusesANameOutsideTheScheme(string name)
    {
        Assert.False(AuditEventTypes.FollowsTheScheme(name));
        Assert.Throws<ArgumentException>(() => Record(name));
    }

    [Fact]
    public void Record_KeepsAWellFormedName() => Assert.Equal("job.completed", Record("job.completed").EventType);

    private static AuditEvent Record(string name) =>
        AuditEvent.Record(DateTimeOffset.UnixEpoch, name, ActorKind.System, null, null, AuditOutcome.Success, null, null, null, null);
}
