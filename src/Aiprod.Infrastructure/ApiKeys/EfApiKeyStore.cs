using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Aiprod.Infrastructure.ApiKeys;

internal sealed class EfApiKeyStore(IServiceScopeFactory scopes) : IApiKeyStore
{
    public async Task<StoredApiKey?> FindByHashAsync(string keyHash, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        return await db.ApiKeys.AsNoTracking()
            .Where(k => k.KeyHash == keyHash)
            .Select(k => new StoredApiKey(k, db.Users.Any(u => u.Id == k.OwnerId && u.DisabledAt != null)))
            .FirstOrDefaultAsync(cancellationToken);
    }
}
