namespace Aiprod.Api.OpenApi;

/// <summary>
/// The second half of the action's <c>operationId</c> (<c>{Tag}_{Name}</c>) where the method's name would read badly
/// in a generated client; without it the method's name is used.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OperationNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
