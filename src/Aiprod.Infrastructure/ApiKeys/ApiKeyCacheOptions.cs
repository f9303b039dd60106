using Aiprod.Application.Abstractions;
using Aiprod.Domain.ApiKeys;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Aiprod.Infrastructure.ApiKeys;

/// <summary>Configuration section <c>ApiKeys:Cache</c>.</summary>
public sealed class ApiKeyCacheOptions
{
    /// <summary>How long a look-up is trusted without a change notice; the backstop if a Redis message is lost.</summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromSeconds(60);

    public int Capacity { get; set; } = 50_000;
}
