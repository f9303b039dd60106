namespace Aiprod.Application.Admin.Dtos;

/// <summary>A user's keys by status.</summary>
/// <param name="Active">Keys that work.</param>
/// <param name="Rotated">Keys replaced by a rotation (working only in their grace period).</param>
/// <param name="Revoked">Keys revoked.</param>
/// <param name="Expired">Keys past their expiry.</param>
public sealed record ApiKeyCountsDto(int Active, int Rotated, int Revoked, int Expired);
