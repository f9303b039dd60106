using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Aiprod.Application.Webhooks;
using Aiprod.Domain.Users;
using Aiprod.Domain.Webhooks;
using Aiprod.Infrastructure.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Aiprod.Bench.Webhooks;

/// <summary>
/// The webhook delivery benchmark of issue 15:
///   dotnet run -c Release --project bench/Aiprod.Bench.Webhooks [-- EVENTS SAMPLES ROUNDS POLL_MS...]
/// The real API on loopback Kestrel in this process (Production settings, SQLite in a fresh temp folder, its hosted
/// dispatcher on), a receiver on another loopback Kestrel that answers 200 to <c>/hook</c> and, 2 s late, to
/// <c>/slow</c>. For each poll interval given (default 1000 and 50 ms), each round measures:
/// <list type="bullet">
/// <item>the bare send rate: EVENTS POSTs of a signed-size body to <c>/hook</c>, 32 at once (the batch size), from one
///   HttpClient, no database: the baseline the dispatcher's rate is a ratio of;</item>
/// <item>deliveries per second: EVENTS deliveries committed at once to the outbox, timed from the commit to the
///   receiver having them all;</item>
/// <item>latency: SAMPLES jobs one after another (submit, claim, complete through the API with a worker key), from the
///   complete call's answer to its <c>job.completed</c> arriving, median and p99, beside the bare POST's round trip;
///   then the same with a second subscription of the owner at <c>/slow</c>, a receiver that takes 2 s.</item>
/// </list>
/// </summary>
internal static class Program
{
    private static readonly TimeSpan SlowReceiver = TimeSpan.FromSeconds(2);

    public static async Task<int> Main(string[] args)
    {
        var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
        var samples = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 2;
        var polls = args.Length > 3 ? args[3..].Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [1000, 50];
        await using var receiver = await Receiver.StartAsync();
        foreach (var poll in polls)
        {
            await RunAsync(receiver, events, samples, rounds, TimeSpan.FromMilliseconds(poll));
        }

        return 0;
    }

    private static async Task RunAsync(Receiver receiver, int events, int samples, int rounds, TimeSpan poll)
    {
        var folder = Directory.CreateTempSubdirectory("aiprod-bench-webhooks-").FullName;
        try
        {
            await using var factory = new WebApplicationFactory<global::Program>().WithWebHostBuilder(b =>
            {
                b.UseEnvironment("Production");
                b.UseContentRoot(AppContext.BaseDirectory);
                b.UseSetting("DataFolder:Path", folder);
                b.UseSetting("RateLimits:Enabled", "false");
                b.UseSetting("Audit:SigningKeyPem", System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem());
                b.UseSetting("Webhooks:SecretKey", Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)));
                b.UseSetting("Webhooks:AllowHttp", "true");
                b.UseSetting("Webhooks:AllowLoopback", "true");
                b.UseSetting("Webhooks:PollInterval", poll.ToString("c", CultureInfo.InvariantCulture));
                b.UseSetting("Logging:LogLevel:Default", "Warning");
            });
            factory.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
            factory.StartServer();
            var server = new Uri(factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
            using var http = new HttpClient { BaseAddress = server, Timeout = TimeSpan.FromMinutes(2) };
            var token = await SignUpAsync(http, "bench@example.com");
            var hook = await CreateWebhookAsync(http, token, receiver.Url("/hook"));
            var workerKey = JsonNode.Parse(await (await SendAsync(http, HttpMethod.Post, "/api-keys/create", token, new { name = "worker", scopes = new[] { "pipeline:worker" } })).Content.ReadAsStringAsync())!["key"]!.GetValue<string>();
            Console.WriteLine($"poll interval {poll.TotalMilliseconds:F0} ms");

            for (var round = 1; round <= rounds; round++)
            {
                var bare = await BareSendRateAsync(receiver, events);
                var rate = await DispatchRateAsync(factory.Services, receiver, hook, OwnerOf(token), events);
                Console.WriteLine($"round {round}: {events:N0} queued deliveries: {rate:F0}/s; bare sends {bare:F0}/s; ratio {rate / bare:P1}");

                var roundTrip = await BareRoundTripsAsync(receiver, samples);
                var latency = await CompletionToArrivalAsync(http, receiver, token, workerKey, samples);
                Console.WriteLine($"  completion to arrival, {samples} jobs: median {Median(latency):F1} ms, p99 {P99(latency):F1} ms; bare POST round trip median {Median(roundTrip):F2} ms, p99 {P99(roundTrip):F2} ms");
            }

            var slow = await CreateWebhookAsync(http, token, receiver.Url("/slow"));
            var slowSamples = Math.Max(10, samples / 5);
            var withSlow = await CompletionToArrivalAsync(http, receiver, token, workerKey, slowSamples);
            Console.WriteLine($"  with another subscription at a receiver taking {SlowReceiver.TotalSeconds:F0} s, {slowSamples} jobs: median {Median(withSlow):F1} ms, p99 {P99(withSlow):F1} ms");
            await SendAsync(http, HttpMethod.Delete, $"/webhooks/{slow}", token);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<double> BareSendRateAsync(Receiver receiver, int events)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, UseProxy = false, AllowAutoRedirect = false });
        var body = WebhookPayload.Serialize(WebhookEventTypes.Ping, DateTimeOffset.UtcNow, new { webhook_id = Guid.NewGuid() });
        var clock = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(32);
        await Task.WhenAll(Enumerable.Range(0, events).Select(async _ =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await client.PostAsync(receiver.Url("/hook"), new StringContent(body, Encoding.UTF8, "application/json"));
                response.EnsureSuccessStatusCode();
            }
            finally
            {
                gate.Release();
            }
        }));
        return events / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double[]> BareRoundTripsAsync(Receiver receiver, int samples)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false, UseProxy = false, AllowAutoRedirect = false });
        var body = WebhookPayload.Serialize(WebhookEventTypes.Ping, DateTimeOffset.UtcNow, new { webhook_id = Guid.NewGuid() });
        var times = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await client.PostAsync(receiver.Url("/hook"), new StringContent(body, Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
            times[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        return times;
    }

    /// <summary>Commits <paramref name="events"/> deliveries in one transaction and waits until the receiver has them all.</summary>
    private static async Task<double> DispatchRateAsync(IServiceProvider services, Receiver receiver, WebhookId hook, UserId owner, int events)
    {
        var run = Guid.NewGuid().ToString("N");
        var arrived = receiver.Expect(run, events);
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AiprodDbContext>();
        var now = DateTimeOffset.UtcNow;
        var payload = WebhookPayload.Serialize(WebhookEventTypes.Ping, now, new { run });
        for (var i = 0; i < events; i++)
        {
            db.WebhookDeliveries.Add(WebhookDelivery.Enqueue(hook, owner, Guid.CreateVersion7(now), WebhookEventTypes.Ping, payload, now));
        }

        await db.SaveChangesAsync();
        var clock = Stopwatch.StartNew();
        await arrived.WaitAsync(TimeSpan.FromMinutes(10));
        return events / clock.Elapsed.TotalSeconds;
    }

    private static async Task<double[]> CompletionToArrivalAsync(HttpClient http, Receiver receiver, string token, string workerKey, int samples)
    {
        var times = new double[samples];
        for (var i = 0; i < samples; i++)
        {
            var submitted = await SendAsync(http, HttpMethod.Post, "/pipeline/run", token, new { content = "A 30 second teaser for a coffee brand", preset = "quick_social" });
            var jobId = JsonNode.Parse(await submitted.Content.ReadAsStringAsync())!["job_id"]!.GetValue<string>();
            var arrived = receiver.Expect(jobId, 1);
            var claimed = await WorkerPostAsync(http, workerKey, "/pipeline/worker/claim", new { lease_seconds = 300 });
            if (JsonNode.Parse(await claimed.Content.ReadAsStringAsync())?["job_id"]?.GetValue<string>() != jobId)
            {
                throw new InvalidOperationException("The worker claimed another job than the one just submitted.");
            }

            await WorkerPostAsync(http, workerKey, $"/pipeline/worker/jobs/{jobId}/complete", new { output = new { video_url = "s3://bucket/out.mp4" } });
            var answered = Stopwatch.GetTimestamp();
            var at = await arrived.WaitAsync(TimeSpan.FromMinutes(1));
            // Negative when the dispatcher sent it before the complete call's answer was read: it is counted as 0.
            times[i] = Math.Max(0, Stopwatch.GetElapsedTime(answered, at).TotalMilliseconds);
        }

        return times;
    }

    private static double Median(double[] values) => Percentile(values, 0.5);

    private static double P99(double[] values) => Percentile(values, 0.99);

    private static double Percentile(double[] values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }

    private static async Task<string> SignUpAsync(HttpClient http, string email)
    {
        const string password = "a long bench passphrase";
        (await http.PostAsJsonAsync("/auth/register", new { email, password })).EnsureSuccessStatusCode();
        var login = await http.PostAsJsonAsync("/auth/login", new { email, password });
        login.EnsureSuccessStatusCode();
        return JsonNode.Parse(await login.Content.ReadAsStringAsync())!["access_token"]!.GetValue<string>();
    }

    private static UserId OwnerOf(string token) => new(Guid.Parse(new JsonWebToken(token).Subject));

    private static async Task<WebhookId> CreateWebhookAsync(HttpClient http, string token, string url)
    {
        var response = await SendAsync(http, HttpMethod.Post, "/webhooks", token, new { url, events = new[] { "job.completed" }, description = "bench" });
        return new WebhookId(Guid.Parse(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["webhook"]!["webhook_id"]!.GetValue<string>()));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string url, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return response;
    }

    private static async Task<HttpResponseMessage> WorkerPostAsync(HttpClient http, string key, string url, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-API-Key", key);
        var response = await http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {url}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return response;
    }

    /// <summary>Loopback Kestrel: <c>/hook</c> answers 200 at once, <c>/slow</c> after <see cref="SlowReceiver"/>.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, Expectation> expected = new(StringComparer.Ordinal);

        private WebApplication app = null!;

        private Uri baseAddress = null!;

        public static async Task<Receiver> StartAsync()
        {
            var receiver = new Receiver();
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            receiver.app = builder.Build();
            receiver.app.MapPost("/hook", async (HttpContext context) =>
            {
                var at = Stopwatch.GetTimestamp();
                var data = (await JsonNode.ParseAsync(context.Request.Body))?["data"];
                var id = data?["job_id"]?.GetValue<string>() ?? data?["run"]?.GetValue<string>();
                if (id is not null && receiver.expected.TryGetValue(id, out var expectation))
                {
                    expectation.Arrived(at);
                }

                return Results.Ok();
            });
            receiver.app.MapPost("/slow", async () =>
            {
                await Task.Delay(SlowReceiver);
                return Results.Ok();
            });
            await receiver.app.StartAsync();
            receiver.baseAddress = new Uri(receiver.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            return receiver;
        }

        public string Url(string path) => new Uri(baseAddress, path).ToString();

        /// <summary>Completes with the arrival timestamp of the <paramref name="count"/>th request carrying <paramref name="id"/>.</summary>
        public Task<long> Expect(string id, int count)
        {
            var expectation = new Expectation(count);
            expected[id] = expectation;
            return expectation.Done.Task;
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        private sealed class Expectation(int count)
        {
            private int arrived;

            public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

            public void Arrived(long at)
            {
                if (Interlocked.Increment(ref arrived) == count)
                {
                    Done.TrySetResult(at);
                }
            }
        }
    }
}
