namespace Aiprod.Application.Common;

/// <summary>Thrown by the validation behaviour; the API answers 400 with these field errors.</summary>
public sealed class ValidationFailedException : Exception
{
    public ValidationFailedException()
        : this(new Dictionary<string, string[]>())
    {
    }

    public ValidationFailedException(string message)
        : base(message)
    {
        Errors = new Dictionary<string, string[]>();
    }

    public ValidationFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = new Dictionary<string, string[]>();
    }

    public ValidationFailedException(IReadOnlyDictionary<string, string[]> errors)
        : base("One or more fields are invalid.")
    {
        Errors = errors;
    }

    /// <summary>Property path (as FluentValidation names it) → messages.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; }
}
