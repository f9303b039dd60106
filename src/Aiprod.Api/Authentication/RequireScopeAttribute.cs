using Aiprod.Domain.ApiKeys;
using Microsoft.AspNetCore.Authorization;

namespace Aiprod.Api.Authentication;

/// <summary>The endpoint takes a user's access token, or an API key holding <see cref="Scope"/> (<see cref="ScopePolicies"/>).</summary>
public sealed class RequireScopeAttribute(ApiKeyScope scope) : AuthorizeAttribute(ScopePolicies.For(scope))
{
    public ApiKeyScope Scope { get; } = scope;
}
