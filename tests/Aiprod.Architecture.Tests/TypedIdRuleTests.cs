using System.Reflection;
using Aiprod.Domain.Common;
using Mediator;

namespace Aiprod.Architecture.Tests;

/// <summary>
/// An id says what it identifies: commands, queries, DTOs and the Application ports carry <c>UserId</c>,
/// <c>ApiKeyId</c>, <c>SessionId</c> or <c>JobId</c>, never a bare <see cref="Guid"/> another kind of id could be passed as.
/// </summary>
public sealed class TypedIdRuleTests
{
    private static readonly Assembly Application = typeof(Application.DependencyInjection).Assembly;

    private static readonly Type[] Messages = Application.GetTypes().Where(t => !t.IsAbstract && typeof(IMessage).IsAssignableFrom(t)).ToArray();

    private static readonly Type[] Dtos = Application.GetTypes().Where(t => t.Namespace?.EndsWith(".Dtos", StringComparison.Ordinal) == true && !t.IsAbstract).ToArray();

    private static readonly Type[] Ports = Application.GetTypes().Where(t => t.IsInterface && t.Namespace == "Aiprod.Application.Abstractions").ToArray();

    [Fact]
    public void Application_HasMessagesDtosAndPortsToCheck()
    {
        Assert.True(Messages.Length >= 30, $"found {Messages.Length} messages");
        Assert.True(Dtos.Length >= 20, $"found {Dtos.Length} DTOs");
        Assert.True(Ports.Length >= 10, $"found {Ports.Length} ports");
    }

    [Fact]
    public void NoCommandQueryOrDto_CarriesAnIdAsABareGuid() =>
        Assert.Empty(BareGuidIds(Messages.Concat(Dtos)
            .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => ($"{t.Name}.{p.Name}", p.Name, p.PropertyType)))));

    [Fact]
    public void NoPort_TakesAnIdAsABareGuid() =>
        Assert.Empty(BareGuidIds(Ports
            .SelectMany(t => t.GetMethods().SelectMany(m => m.GetParameters().Select(p => ($"{t.Name}.{m.Name}({p.Name})", p.Name!, p.ParameterType))))));

    [Fact]
    public void TheCheck_FindsABareGuidId_AndPassesATypedOne()
    {
        Assert.True(IsBareGuidId(nameof(Sample.WorkerKeyId), typeof(Sample).GetProperty(nameof(Sample.WorkerKeyId))!.PropertyType));
        Assert.True(IsBareGuidId(nameof(Sample.OwnerId), typeof(Sample).GetProperty(nameof(Sample.OwnerId))!.PropertyType));
        Assert.True(IsBareGuidId(nameof(Sample.KeyIds), typeof(Sample).GetProperty(nameof(Sample.KeyIds))!.PropertyType));
        Assert.False(IsBareGuidId(nameof(Sample.JobId), typeof(Sample).GetProperty(nameof(Sample.JobId))!.PropertyType));
        Assert.All(EntityIds.All, id => Assert.False(IsBareGuidId("SomeId", id)));
    }

    private static List<string> BareGuidIds(IEnumerable<(string Where, string Name, Type Type)> members) =>
        members.Where(m => IsBareGuidId(m.Name, m.Type)).Select(m => m.Where).ToList();

    /// <summary>A name that says "id" (<c>JobId</c>, <c>CallerId</c>, <c>KeyIds</c>) on a Guid, a Guid? or a collection of them.</summary>
    private static bool IsBareGuidId(string name, Type type) =>
        (name.EndsWith("Id", StringComparison.OrdinalIgnoreCase) || name.EndsWith("Ids", StringComparison.OrdinalIgnoreCase))
        && (Nullable.GetUnderlyingType(type) ?? type) is var inner
        && (inner == typeof(Guid) || (inner.IsGenericType && inner.GetGenericArguments().Any(a => (Nullable.GetUnderlyingType(a) ?? a) == typeof(Guid))));

    private sealed record Sample(Guid? WorkerKeyId, Guid OwnerId, IReadOnlyList<Guid> KeyIds, Domain.Jobs.JobId JobId);
}
