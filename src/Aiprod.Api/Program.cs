using System.Text.Json;
using System.Text.Json.Serialization;
using Aiprod.Api.Http;
using Aiprod.Api.Logging;
using Aiprod.Api.Middleware;
using Aiprod.Api.Setup;
using Aiprod.Application;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Accounts.Commands.PromoteToAdmin;
using Aiprod.Application.Common;
using Aiprod.Application.Common.Behaviours;
using Aiprod.Infrastructure;
using Aiprod.Infrastructure.Persistence;
using Aiprod.Infrastructure.Tokens;
using Mediator;
using Microsoft.Extensions.Options;

var builder = WebApplication.CreateBuilder(args);
var maxBodyBytes = RequestBodyLimitMiddleware.MaxBytes(builder.Configuration);

// Every console line goes through the redacting formatter: a token in a WebSocket URL never reaches a log.
builder.Logging.AddConsole(o => o.FormatterName = RedactingConsoleFormatter.Name)
    .AddConsoleFormatter<RedactingConsoleFormatter, Microsoft.Extensions.Logging.Console.SimpleConsoleFormatterOptions>();

builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.Limits.MaxRequestBodySize = maxBodyBytes;
});

builder.Services.AddApplication();
builder.Services.AddInfrastructure(builder.Configuration, builder.Environment.ContentRootPath);
builder.Services.AddMediator((MediatorOptions o) =>
{
    o.ServiceLifetime = ServiceLifetime.Scoped;
    o.Assemblies = [typeof(Aiprod.Application.DependencyInjection)];
    o.PipelineBehaviors = [typeof(ConflictRetryBehaviour<,>), typeof(LoggingBehaviour<,>), typeof(ValidationBehaviour<,>), typeof(CommitBehaviour<,>)];
});
builder.Services.AddAiprodAccounts(builder.Configuration);
builder.Services.AddAiprodSessions(builder.Configuration);
builder.Services.AddAiprodApiKeys(builder.Configuration);
builder.Services.AddAiprodJobs(builder.Configuration);
builder.Services.AddAiprodExports(builder.Configuration);
builder.Services.AddHttpContextAccessor();
builder.Services.AddScoped<IRequestContext, HttpRequestContext>();

builder.Services.AddControllers(o =>
    {
        // Every answer is JSON: drop the text/plain formatter so the documented media types are the real ones.
        o.OutputFormatters.RemoveType<Microsoft.AspNetCore.Mvc.Formatters.StringOutputFormatter>();
        o.ModelBinderProviders.Insert(0, new EnumNameModelBinderProvider());
        o.ModelValidatorProviders.Add(new NonNullableItemsValidatorProvider());
    })
    .AddJsonOptions(o =>
    {
        o.JsonSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.JsonSerializerOptions.DictionaryKeyPolicy = null;
        // Enums by their names only, as in query strings: a number is not a preset. Closed sets that declare their
        // names (log levels, scopes) are read by exactly those; the others as the framework reads them.
        o.JsonSerializerOptions.Converters.Add(new WireNameEnumConverterFactory());
        o.JsonSerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        // Typed ids as the bare GUIDs they wrap, as when they were Guids.
        o.JsonSerializerOptions.Converters.Add(new EntityIdJsonConverter());
        // The web defaults read "12" as 12; a string where a number belongs is a wrong type, refused like any other.
        o.JsonSerializerOptions.NumberHandling = JsonNumberHandling.Strict;
        o.JsonSerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        // Two values for one property: which one counts would depend on the parser, so neither does (400 naming it).
        o.JsonSerializerOptions.AllowDuplicateProperties = false;
        // Parser messages name CLR types; the 400 we send names the field instead.
        o.AllowInputFormatterExceptionMessages = false;
    });
builder.Services.AddAiprodProblemDetails();
builder.Services.AddAiprodAuthentication();
builder.Services.AddAiprodForwardedHeaders(builder.Configuration);
builder.Services.AddAiprodRateLimiting(builder.Configuration);
builder.Services.AddAiprodSecurityHeaders(builder.Configuration);
builder.Services.AddAiprodSecurityPolicy();
builder.Services.AddAiprodCsrf(builder.Configuration);
builder.Services.AddAiprodSwagger();
builder.Services.AddHealthChecks().AddDbContextCheck<AiprodDbContext>("database", tags: ["ready"]);

var app = builder.Build();

// However the entry point ends, the SQLite checkpoint thread ends with it: a start that fails after the migrations
// opened the file (a bad setting read while the pipeline is built) leaves no thread behind retrying the file. Only
// that thread, not the app: a test host may still be reporting the failure from the app's services.
using var checkpoints = app.Services.GetService<SqliteCheckpointer>();

// Load (or create) the signing keys now: a bad key configuration must stop the start, not the first login or checkpoint.
_ = app.Services.GetRequiredService<SigningKeyStore>();
_ = app.Services.GetRequiredService<Aiprod.Infrastructure.Csrf.CsrfKeyStore>();
_ = app.Services.GetRequiredService<Aiprod.Infrastructure.Audit.AuditSigningKey>();

if (args is ["make-admin", var adminEmail])
{
    return await MakeAdminAsync(app, adminEmail);
}

if (args is ["verify-audit", ..])
{
    return await VerifyAuditAsync(app);
}

if (app.Services.GetRequiredService<IOptions<DatabaseOptions>>().Value.MigrateOnStartup)
{
    await using var scope = app.Services.CreateAsyncScope();
    await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
}

app.UseAiprodForwardedHeaders();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSecurityHeaders();
app.UseMiddleware<RequestBodyLimitMiddleware>(maxBodyBytes);
app.UseSwagger();
app.UseSwaggerUI(o =>
{
    o.SwaggerEndpoint("/swagger/v1/swagger.json", "Aiprod API v1");
    o.DocumentTitle = "Aiprod API";
    // Swagger UI is the admins' console: requests are ready to send on opening an operation, carry the operationId the
    // generated client and the logs use, and show how long they took; the filter and deep links find and share one
    // operation among many. Authorization is not persisted: API keys live up to a year and would stay in the browser's
    // localStorage after the tab closes. Request snippets stay off (the default): the curl line shown with each
    // response is enough.
    o.EnableTryItOutByDefault();
    o.DisplayOperationId();
    o.DisplayRequestDuration();
    o.EnableFilter();
    o.EnableDeepLinking();
});
app.UseWebSockets();
app.UseRouting();
app.UseAuthentication();
app.UseRateLimiter();
app.UseAuthorization();
app.MapControllers();

await app.RunAsync();
return 0;

// `dotnet run --project src/Aiprod.Api -- make-admin someone@example.com`: an operator's way to grant the admin role.
static async Task<int> MakeAdminAsync(WebApplication app, string email)
{
    await using var scope = app.Services.CreateAsyncScope();
    await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
    try
    {
        var result = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new PromoteToAdminCommand(email));
        if (!result.IsSuccess)
        {
            await Console.Error.WriteLineAsync(result.Error.Message);
            return 1;
        }

        Console.WriteLine($"{result.Value.Email} is now an admin.");
        return 0;
    }
    catch (Aiprod.Application.Common.ValidationFailedException ex)
    {
        await Console.Error.WriteLineAsync(string.Join(" ", ex.Errors.SelectMany(e => e.Value)));
        return 1;
    }
}

// `dotnet run --project src/Aiprod.Api -- verify-audit`: the audit chain's report as JSON on stdout, a summary on
// stderr; exit code 0 when intact, 2 when anything is broken (1 is left to the host failing to start).
static async Task<int> VerifyAuditAsync(WebApplication app)
{
    await using var scope = app.Services.CreateAsyncScope();
    await scope.ServiceProvider.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
    var report = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new Aiprod.Application.Audit.Queries.VerifyAuditChain.VerifyAuditChainQuery());
    var json = new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };
    Console.WriteLine(JsonSerializer.Serialize(report, json));
    await Console.Error.WriteLineAsync(report.Intact
        ? $"Audit log intact: events {report.FirstSeq?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} to {report.LastSeq?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} ({report.EventsValid} valid), {report.CheckpointsValid} checkpoints valid, {report.UnsealedEvents} not sealed yet."
        : $"Audit log BROKEN: first broken seq {report.FirstBrokenSeq?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}, {report.EventsInvalid} of {report.EventsChecked} events invalid, {report.CheckpointsInvalid} of {report.CheckpointsChecked} checkpoints invalid.");
    return report.Intact ? 0 : 2;
}

/// <summary>The entry point, visible to the functional tests' <c>WebApplicationFactory</c>.</summary>
public partial class Program;
