using System.Reflection;
using Aiprod.Domain.Common;

namespace Aiprod.Domain.Tests;

/// <summary>Every typed id the domain declares: its text is the GUID's, it parses as a GUID does, and it converts to nothing.</summary>
public sealed class EntityIdTests
{
    private static readonly Guid Sample = Guid.Parse("0190a6e2-4b8c-7d3e-9f10-2a3b4c5d6e7f");

    public static TheoryData<string> Ids() => new(EntityIds.All.Select(t => t.Name));

    [Fact]
    public void TheDomain_DeclaresAnIdForEachAggregate() =>
        Assert.Equal(["ApiKeyId", "ExportId", "JobClaimId", "JobId", "SessionId", "UserId", "WebhookDeliveryId", "WebhookId"], EntityIds.All.Select(t => t.Name).Order());

    [Theory]
    [MemberData(nameof(Ids))]
    public void Text_IsTheGuidsText_AndParsesBack(string id) => Run(nameof(TextRoundTrip), id);

    [Theory]
    [MemberData(nameof(Ids))]
    public void Parsing_AcceptsWhatAGuidAccepts_AndRefusesTheRest(string id) => Run(nameof(ParsesLikeAGuid), id);

    [Theory]
    [MemberData(nameof(Ids))]
    public void New_IsAVersion7GuidOfTheGivenTime(string id)
    {
        var type = Type(id);
        var now = new DateTimeOffset(2026, 5, 1, 12, 30, 0, TimeSpan.Zero);

        var made = type.GetMethod("New", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, BindingFlags.DoNotWrapExceptions, null, [now], null)!;

        var value = (Guid)type.GetProperty("Value")!.GetValue(made)!;
        Assert.Equal(7, value.Version);
        var bytes = value.ToByteArray(bigEndian: true);
        var millis = ((long)bytes[0] << 40) | ((long)bytes[1] << 32) | ((long)bytes[2] << 24) | ((long)bytes[3] << 16) | ((long)bytes[4] << 8) | bytes[5];
        Assert.Equal(now.ToUnixTimeMilliseconds(), millis);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void AnId_HasNoConversion_ToAnotherKindOrFromAGuid(string id)
    {
        // A conversion operator would let a job id be passed where a key id is expected again.
        var operators = Type(id).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name is "op_Implicit" or "op_Explicit")
            .Select(m => m.ToString())
            .ToList();

        Assert.Empty(operators);
    }

    private static void TextRoundTrip<TId>()
        where TId : struct, IEntityId<TId>
    {
        var id = IEntityId<TId>.From(Sample);

        Assert.Equal(Sample.ToString(), id.ToString());
        Assert.Equal(Sample.ToString(), $"{id}");
        Assert.Equal(id, ParseAs<TId>(id.ToString()!));
        Assert.True(IEntityId<TId>.TryParse(id.ToString(), null, out var parsed));
        Assert.Equal(id, parsed);
    }

    private static void ParsesLikeAGuid<TId>()
        where TId : struct, IEntityId<TId>
    {
        foreach (var text in new[] { Sample.ToString("N"), Sample.ToString("B"), Sample.ToString().ToUpperInvariant() })
        {
            Assert.True(IEntityId<TId>.TryParse(text, null, out var parsed), text);
            Assert.Equal(Sample, parsed.Value);
        }

        foreach (var text in new[] { null, "", "not-a-guid", "12345", "0190a6e2-4b8c-7d3e-9f10-2a3b4c5d6e7g", Sample + "0" })
        {
            Assert.False(IEntityId<TId>.TryParse(text, null, out var refused), text);
            Assert.Equal(default, refused);
        }

        Assert.Throws<FormatException>(() => ParseAs<TId>("not-a-guid"));
    }

    /// <summary>Through <see cref="IParsable{TSelf}"/>, as generic code and the framework reach it.</summary>
    private static T ParseAs<T>(string text)
        where T : IParsable<T> => T.Parse(text, null);

    private static Type Type(string name) => EntityIds.All.Single(t => t.Name == name);

    private static void Run(string check, string id) =>
        typeof(EntityIdTests).GetMethod(check, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(Type(id))
            .Invoke(null, BindingFlags.DoNotWrapExceptions, null, null, null);
}
