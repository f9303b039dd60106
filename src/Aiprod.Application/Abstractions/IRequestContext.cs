using Aiprod.Domain.Users;

namespace Aiprod.Application.Abstractions;

/// <summary>Who is calling and from where; empty outside an HTTP request (start-up, command line).</summary>
public interface IRequestContext
{
    UserId? UserId { get; }

    string? ClientAddress { get; }

    string? UserAgent { get; }

    string? TraceId { get; }
}
