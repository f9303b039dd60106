using Aiprod.Application.Abstractions;
using Aiprod.Domain.ApiKeys;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Aiprod.Infrastructure.ApiKeys;

/// <summary>A stored key and whether its owner is disabled, read together.</summary>
public sealed record StoredApiKey(ApiKey Key, bool OwnerDisabled);
