using Aiprod.Api.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Aiprod.Functional.Tests.Api;

public sealed class LogRedactionTests
{
    private sealed class Monitor : IOptionsMonitor<SimpleConsoleFormatterOptions>
    {
        public SimpleConsoleFormatterOptions CurrentValue { get; } = new();

        public SimpleConsoleFormatterOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<SimpleConsoleFormatterOptions, string?> listener) => null;
    }

    [Fact]
    public void ATokenInAWebSocketUrl_NeverReachesTheLogLine()
    {
        const string token = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbm4ifQ.c2lnbmF0dXJl";
        var formatter = new RedactingConsoleFormatter(new Monitor());
        var writer = new StringWriter();
        var message = $"Request starting HTTP/1.1 GET http://localhost/ws/job/42?access_token={token}&last_event_id=3 - - -";

        formatter.Write(new LogEntry<string>(LogLevel.Information, "Microsoft.AspNetCore.Hosting.Diagnostics", new EventId(1), message, new InvalidOperationException("url was ?refresh_token=abc123"), (s, _) => s), null, writer);

        var line = writer.ToString();
        Assert.DoesNotContain(token, line, StringComparison.Ordinal);
        Assert.DoesNotContain("abc123", line, StringComparison.Ordinal);
        Assert.Contains("access_token=[redacted]&last_event_id=3", line, StringComparison.Ordinal);
    }
}
