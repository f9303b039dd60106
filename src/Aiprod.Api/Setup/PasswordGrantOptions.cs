namespace Aiprod.Api.Setup;

/// <summary>Configuration section <c>Auth:PasswordGrant</c>.</summary>
public sealed class PasswordGrantOptions
{
    /// <summary>Off by default: RFC 9700 §2.4 says the resource-owner password grant MUST NOT be used.</summary>
    public bool Enabled { get; set; }
}
