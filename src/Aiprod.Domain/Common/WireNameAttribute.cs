namespace Aiprod.Domain.Common;

/// <summary>
/// The name of a member of a closed set wherever the value leaves the process: JSON, query strings, stored rows and
/// claims (<c>jobs:read</c>, <c>-created_at</c>). A set whose members all declare one is read by exactly those names;
/// renaming the member in code then changes nothing outside it.
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class WireNameAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
