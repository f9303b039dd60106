namespace Aiprod.Infrastructure.Tokens;

/// <summary>Configuration section <c>Jwt:ValidationCache</c>.</summary>
public sealed class TokenValidationCacheOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// At most this many validated tokens are remembered. When the cache is full a newly validated token is not
    /// remembered, and the cache compacts in the background (expired entries first, then the least recently read).
    /// </summary>
    public int Capacity { get; set; } = 10_000;
}
