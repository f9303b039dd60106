using Aiprod.Application.Abstractions;
using Aiprod.Domain.Sessions;
using Aiprod.Domain.Users;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Persistence.Repositories;

internal sealed class RefreshTokenRepository(AiprodDbContext db) : IRefreshTokenRepository
{
    // The family's user comes in the same statement: every caller asks for it next (a refresh to check the account
    // and sign for it), and UserRepository.FindByIdAsync answers a tracked user without a query. Compiled once: a
    // refresh does not pay for the LINQ expression's cache look-up.
    private static readonly PerModelQuery<Func<AiprodDbContext, string, CancellationToken, Task<TokenWithOwner?>>> ByHash = new(() => EF.CompileAsyncQuery(
        (AiprodDbContext db, string tokenHash, CancellationToken cancellationToken) => (
                from token in db.RefreshTokens
                where token.TokenHash == tokenHash
                join family in db.RefreshTokenFamilies on token.FamilyId equals family.Id
                join user in db.Users on family.UserId equals user.Id into owners
                from owner in owners.DefaultIfEmpty()
                select new TokenWithOwner(token, family, owner))
            .FirstOrDefault()));

    public async Task<RefreshToken?> FindByHashAsync(string tokenHash, CancellationToken cancellationToken) =>
        (await ByHash.For(db)(db, tokenHash, cancellationToken))?.Token;

    public Task<RefreshTokenFamily?> FindFamilyAsync(SessionId familyId, CancellationToken cancellationToken) =>
        db.RefreshTokenFamilies.FirstOrDefaultAsync(f => f.Id == familyId, cancellationToken);

    public async Task<IReadOnlyList<RefreshTokenFamily>> ListActiveFamiliesAsync(UserId userId, DateTimeOffset now, CancellationToken cancellationToken) =>
        await db.RefreshTokenFamilies
            .Where(f => f.UserId == userId && f.RevokedAt == null && f.ExpiresAt > now)
            .ToListAsync(cancellationToken);

    public void Add(RefreshTokenFamily family) => db.RefreshTokenFamilies.Add(family);

    public void Add(RefreshToken token) => db.RefreshTokens.Add(token);

    private sealed record TokenWithOwner(RefreshToken Token, RefreshTokenFamily Family, User? Owner);
}
