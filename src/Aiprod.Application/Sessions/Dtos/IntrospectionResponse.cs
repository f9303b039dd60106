namespace Aiprod.Application.Sessions.Dtos;

/// <summary>RFC 7662 introspection answer; an inactive token answers only `active: false`.</summary>
public sealed record IntrospectionResponse(
    bool Active,
    string? TokenType = null,
    string? Sub = null,
    string? Username = null,
    long? Exp = null,
    long? Iat = null,
    string? Sid = null,
    string? Jti = null,
    string? Iss = null)
{
    public static IntrospectionResponse Inactive { get; } = new(false);
}
