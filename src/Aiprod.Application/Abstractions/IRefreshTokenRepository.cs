using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;

namespace Aiprod.Application.Abstractions;

public interface IRefreshTokenRepository
{
    /// <summary>The token with its family, or null.</summary>
    Task<RefreshToken?> FindByHashAsync(string tokenHash, CancellationToken cancellationToken);

    Task<RefreshTokenFamily?> FindFamilyAsync(SessionId familyId, CancellationToken cancellationToken);

    /// <summary>The user's families that are neither revoked nor past their cap.</summary>
    Task<IReadOnlyList<RefreshTokenFamily>> ListActiveFamiliesAsync(UserId userId, DateTimeOffset now, CancellationToken cancellationToken);

    void Add(RefreshTokenFamily family);

    void Add(RefreshToken token);
}
