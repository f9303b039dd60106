namespace Aiprod.Api.OpenApi;

/// <summary>
/// A request body that shows itself in the OpenAPI document: the example lives on the record, next to its fields, and
/// is serialised with the API's own JSON options, so it is spelled as the API reads it (a test checks every JSON body
/// of the document has one).
/// </summary>
public interface IRequestExample<out TSelf>
    where TSelf : IRequestExample<TSelf>
{
    static abstract TSelf Example { get; }
}
