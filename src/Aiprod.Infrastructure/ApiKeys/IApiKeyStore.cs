using Aiprod.Application.Abstractions;
using Aiprod.Domain.ApiKeys;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Aiprod.Infrastructure.ApiKeys;

/// <summary>Where a key is looked up by its hash when the cache does not have it.</summary>
public interface IApiKeyStore
{
    Task<StoredApiKey?> FindByHashAsync(string keyHash, CancellationToken cancellationToken);
}
