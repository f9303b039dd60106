namespace Aiprod.Api.OpenApi;

/// <summary>
/// Says which message's validators check this request body: the schema of the body states their rules
/// (<see cref="ValidatorSchemaFilter"/>) for each property of the same name. The validators stay the only place the
/// limits are written.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ValidatedAsAttribute(Type message) : Attribute
{
    public Type Message { get; } = message;
}
