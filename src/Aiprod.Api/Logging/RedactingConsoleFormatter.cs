using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Aiprod.Api.Logging;

/// <summary>
/// The console log format, with secrets that can travel in a URL (an <c>access_token</c> or
/// <c>refresh_token</c> query parameter: WebSocket handshakes from browsers carry one) replaced by
/// <c>[redacted]</c> in every line, including the hosting layer's "Request starting" lines that are written
/// before any middleware of ours runs.
/// </summary>
internal sealed partial class RedactingConsoleFormatter(IOptionsMonitor<SimpleConsoleFormatterOptions> options) : ConsoleFormatter(Name)
{
    public new const string Name = "redacting";

    public static string Redact(string text) => SecretInUrl().Replace(text, "$1=[redacted]");

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        var settings = options.CurrentValue;
        if (settings.TimestampFormat is { } format)
        {
            textWriter.Write(DateTimeOffset.UtcNow.ToString(format, System.Globalization.CultureInfo.InvariantCulture));
        }

        textWriter.Write(LevelText(logEntry.LogLevel));
        textWriter.Write(": ");
        textWriter.Write(logEntry.Category);
        textWriter.Write('[');
        textWriter.Write(logEntry.EventId.Id);
        textWriter.WriteLine(']');
        textWriter.Write("      ");
        textWriter.WriteLine(Redact(message).Replace(Environment.NewLine, Environment.NewLine + "      ", StringComparison.Ordinal));
        if (logEntry.Exception is not null)
        {
            textWriter.WriteLine(Redact(logEntry.Exception.ToString()));
        }
    }

    private static string LevelText(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        LogLevel.Critical => "crit",
        _ => "none",
    };

    [GeneratedRegex(@"\b(access_token|refresh_token|token|api_key)=[^&\s""']+", RegexOptions.IgnoreCase)]
    private static partial Regex SecretInUrl();
}
