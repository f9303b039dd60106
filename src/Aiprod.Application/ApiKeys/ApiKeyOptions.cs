namespace Aiprod.Application.ApiKeys;

/// <summary>Configuration section <c>ApiKeys</c>.</summary>
public sealed class ApiKeyOptions
{
    public const string SectionName = "ApiKeys";

    public int DefaultLifetimeDays { get; set; } = 90;

    public int MaxLifetimeDays { get; set; } = 365;

    public int MaxActiveKeysPerUser { get; set; } = 25;
}
