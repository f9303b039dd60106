namespace Aiprod.Application.Sessions.Dtos;

/// <summary>The sessions that were ended.</summary>
/// <param name="RevokedCount">How many sessions were ended.</param>
public sealed record LogoutAllResponse(int RevokedCount);
