namespace Aiprod.Application.ApiKeys.Dtos;

/// <summary>The outcome of revoke-all.</summary>
/// <param name="RevokedCount">How many keys stopped working.</param>
/// <param name="Timestamp">When.</param>
public sealed record RevokeAllResultDto(int RevokedCount, DateTimeOffset Timestamp);
