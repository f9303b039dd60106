namespace Aiprod.Application.Admin.Dtos;

/// <summary>Jobs by status.</summary>
/// <param name="Queued">Waiting for a worker.</param>
/// <param name="Running">Held by a worker.</param>
/// <param name="Completed">Ended with a result.</param>
/// <param name="Failed">Ended with an error.</param>
/// <param name="Cancelled">Stopped by their owner or an admin.</param>
public sealed record JobCountsDto(int Queued, int Running, int Completed, int Failed, int Cancelled);
