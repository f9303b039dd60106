using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Aiprod.Functional.Tests.Infrastructure;

/// <summary>A webhook receiver on loopback Kestrel: records every request to <c>/hook</c> and answers what the test says; <c>/redirect</c> answers 302 to <c>/hook</c>.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;

    private WebhookReceiver(WebApplication app) => this.app = app;

    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>The status <c>/hook</c> answers.</summary>
    public int Status { get; set; } = 200;

    /// <summary>Awaited before each answer of <c>/hook</c>, once the request is recorded: a test holds answers back with it.</summary>
    public Func<Task>? BeforeAnswer { get; set; }

    public Uri BaseAddress { get; private set; } = null!;

    public string HookUrl => new Uri(BaseAddress, "/hook").ToString();

    public string RedirectUrl => new Uri(BaseAddress, "/redirect").ToString();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpContext context) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            receiver.Requests.Enqueue(new Received(
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
            if (receiver.BeforeAnswer is { } hold)
            {
                await hold();
            }

            return Results.StatusCode(receiver.Status);
        });
        app.MapPost("/redirect", () => Results.Redirect("/hook"));
        await app.StartAsync();
        receiver.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    public sealed record Received(IReadOnlyDictionary<string, string> Headers, string Body)
    {
        /// <summary>The same request with only <paramref name="signature"/> in <c>webhook-signature</c>.</summary>
        public Received WithSignature(string signature) =>
            this with { Headers = new Dictionary<string, string>(Headers, StringComparer.OrdinalIgnoreCase) { ["webhook-signature"] = signature } };

        /// <summary>Verifies the request as a receiver would, with the StandardWebhooks package; throws when it does not verify.</summary>
        public void Verify(string secret)
        {
            var headers = new HeaderDictionary();
            foreach (var (name, value) in Headers)
            {
                headers[name] = value;
            }

            new StandardWebhooks.StandardWebhook(secret).Verify(Body, headers);
        }
    }
}
