using System.Diagnostics;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Users;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Aiprod.Api.Http;

internal sealed class HttpRequestContext(IHttpContextAccessor accessor) : IRequestContext
{
    public UserId? UserId =>
        Guid.TryParse(accessor.HttpContext?.User.FindFirst(JwtRegisteredClaimNames.Sub)?.Value, out var id) ? new UserId(id) : null;

    public string? ClientAddress => accessor.HttpContext?.Connection.RemoteIpAddress?.ToString();

    public string? UserAgent => accessor.HttpContext?.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null;

    public string? TraceId => Activity.Current?.TraceId.ToString() ?? accessor.HttpContext?.TraceIdentifier;
}
