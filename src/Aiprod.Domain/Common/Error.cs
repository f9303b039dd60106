namespace Aiprod.Domain.Common;

/// <summary>What kind of expected failure an <see cref="Error"/> is; the API maps each kind to one status code.</summary>
public enum ErrorKind
{
    Validation,
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    Locked,
    TooManyRequests,

    /// <summary>The thing existed and is gone for good (an export's file after its retention).</summary>
    Gone,

    /// <summary>Well-formed, but contradicts what was sent before (an idempotency key reused with another body).</summary>
    Unprocessable,
    /// <summary>The request asks for more than one answer may carry; the problem says where to ask instead.</summary>
    TooLarge,

    /// <summary>A part the request needs (the export storage) did not answer; the caller retries later.</summary>
    Unavailable,
}

/// <summary>An expected failure: a stable machine code (used as the problem <c>type</c> suffix) and a message for humans.</summary>
public sealed record Error(ErrorKind Kind, string Code, string Message)
{
    public static Error NotFound(string code, string message) => new(ErrorKind.NotFound, code, message);
    public static Error Conflict(string code, string message) => new(ErrorKind.Conflict, code, message);
    public static Error Unauthorized(string code, string message) => new(ErrorKind.Unauthorized, code, message);
    public static Error Forbidden(string code, string message) => new(ErrorKind.Forbidden, code, message);
    public static Error Validation(string code, string message) => new(ErrorKind.Validation, code, message);
    public static Error Locked(string code, string message) => new(ErrorKind.Locked, code, message);
    public static Error Gone(string code, string message) => new(ErrorKind.Gone, code, message);
    public static Error Unprocessable(string code, string message) => new(ErrorKind.Unprocessable, code, message);
    public static Error TooLarge(string code, string message) => new(ErrorKind.TooLarge, code, message);

    public static Error Unavailable(string code, string message) => new(ErrorKind.Unavailable, code, message);
}
