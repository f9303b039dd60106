namespace Aiprod.Api.Security;

/// <summary>Marks the action that answers with the <see cref="SecurityPolicySection"/>s: Swagger describes each section's record.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SecurityPolicySchemaAttribute : Attribute;
