namespace Aiprod.Api.OpenApi;

/// <summary>The example of a form-encoded body (the OAuth endpoints bind fields, not a record): name, value, name, value…</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class FormExampleAttribute(params string[] namesAndValues) : Attribute
{
    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; } =
        namesAndValues.Chunk(2).Select(p => KeyValuePair.Create(p[0], p[1])).ToList();
}
