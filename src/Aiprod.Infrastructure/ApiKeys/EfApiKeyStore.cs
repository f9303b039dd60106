using Aiprod.Application.Abstractions;
using Aiprod.Domain.ApiKeys;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

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
