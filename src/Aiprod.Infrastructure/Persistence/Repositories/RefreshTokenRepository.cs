using Aiprod.Application.Abstractions;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Persistence.Repositories;

internal sealed class RefreshTokenRepository(AiprodDbContext db) : IRefreshTokenRepository
{
    public Task<RefreshToken?> FindByHashAsync(string tokenHash, CancellationToken cancellationToken) =>
        db.RefreshTokens.Include(t => t.Family).FirstOrDefaultAsync(t => t.TokenHash == tokenHash, cancellationToken);

    public Task<RefreshTokenFamily?> FindFamilyAsync(SessionId familyId, CancellationToken cancellationToken) =>
        db.RefreshTokenFamilies.FirstOrDefaultAsync(f => f.Id == familyId, cancellationToken);

    public async Task<IReadOnlyList<RefreshTokenFamily>> ListActiveFamiliesAsync(UserId userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.RefreshTokenFamilies
            .Where(f => f.UserId == userId && f.RevokedAt == null && f.ExpiresAt > now)
            .ToListAsync(cancellationToken);

    public void Add(RefreshTokenFamily family) => db.RefreshTokenFamilies.Add(family);

    public void Add(RefreshToken token) => db.RefreshTokens.Add(token);
}
