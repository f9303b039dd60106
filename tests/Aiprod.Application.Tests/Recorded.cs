using System.Collections;
using Aiprod.Application.Abstractions;
using NSubstitute;

namespace Aiprod.Application.Tests;

/// <summary>Reads back what a handler handed to its ports, so tests assert the whole of it, not one matching call.</summary>
internal static class Recorded
{
    /// <summary>The audit entries recorded, in order.</summary>
    public static IReadOnlyList<AuditEntry> Entries(this IAuditLog audit) =>
        audit.ReceivedCalls().Where(c => c.GetMethodInfo().Name == nameof(IAuditLog.Record)).Select(c => (AuditEntry)c.GetArguments()[0]!).ToList();

    /// <summary>A list held in an audit detail, item by item (ids compare by value whatever their type).</summary>
    public static IReadOnlyList<object> Items(object? detail) => ((IEnumerable)detail!).Cast<object>().ToList();
}
