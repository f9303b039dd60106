using System.Collections.Concurrent;
using System.Threading.Channels;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Audit;
using Aiprod.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Aiprod.Infrastructure.ApiKeys;

/// <summary>Configuration section <c>ApiKeys:Usage</c>.</summary>
public sealed class ApiKeyUsageOptions
{
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(5);
}
