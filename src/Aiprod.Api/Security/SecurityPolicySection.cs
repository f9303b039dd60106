namespace Aiprod.Api.Security;

/// <summary>
/// One section of <c>GET /security/policy</c>: its name in the answer, the record it answers with (for the Swagger
/// schema), and how to read that record from the live options. A section is one record and one registration
/// (<c>services.AddSecurityPolicySection(...)</c>); it must hold no secret.
/// </summary>
public sealed record SecurityPolicySection(string Name, Type RecordType, Func<IServiceProvider, object> Describe);
