namespace Aiprod.Api.Http;

/// <summary>Problem <c>type</c> URIs: one stable URN per error code, so clients can branch on it.</summary>
public static class ProblemTypes
{
    public const string Prefix = "urn:aiprod:problem:";

    public static string For(string code) => Prefix + code;
}
