namespace Aiprod.Api.Contracts;

/// <summary>The caller's live sessions.</summary>
/// <param name="Sessions">Most recently used first.</param>
public sealed record SessionListResponse(IReadOnlyList<Aiprod.Application.Sessions.Dtos.SessionDto> Sessions);
