using Aiprod.Domain.Sessions;

namespace Aiprod.Application.Abstractions;

/// <summary>
/// Each session's CSRF generation: a token is accepted only while the generation it was issued under is the
/// session's current one. Shared by every instance when Redis is configured.
/// </summary>
public interface ICsrfGenerations
{
    /// <summary>The generation to issue a token under now; the record is kept at least <paramref name="keepFor"/>.</summary>
    ValueTask<long> CurrentAsync(SessionId session, TimeSpan keepFor);

    /// <summary>Starts the next generation; every token of the earlier ones stops working.</summary>
    ValueTask<long> AdvanceAsync(SessionId session, TimeSpan keepFor);

    ValueTask<bool> IsCurrentAsync(SessionId session, long generation);
}
