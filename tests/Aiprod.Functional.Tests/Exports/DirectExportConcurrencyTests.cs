using System.Net;
using Aiprod.Api.Exports;
using Aiprod.Application.Abstractions;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Users;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Exports;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Aiprod.Functional.Tests.Exports;

/// <summary>
/// A user may have at most <c>Exports:MaxConcurrentDirectPerUser</c> direct exports running at once; more are 429
/// with Retry-After, other users are not affected, and a finished export gives its slot back.
/// </summary>
public sealed class DirectExportConcurrencyTests
{
    [Fact]
    public async Task ManyDirectExportsAtOnce_AtMostTheCapRun_TheRestAre429_AndSlotsComeBack()
    {
        var ct = TestContext.Current.CancellationToken;
        var hold = new Hold();
        await using var factory = new AiprodApiFactory(
            new Dictionary<string, string?> { ["Exports:MaxConcurrentDirectPerUser"] = "2", ["RateLimits:Policies:direct-export"] = "1000" },
            replaceServices: s => s.AddScoped<IJobExporter>(sp => new HeldExporter(ActivatorUtilities.CreateInstance<JobExporter>(sp), hold)));
        // Real HTTP: the headers of a held export reach the client while its body has not started.
        using var client = new HttpClient { BaseAddress = factory.StartOnKestrel(), Timeout = TimeSpan.FromSeconds(30) };
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var bob = await client.RegisterAndLoginAsync("bob@example.com");
        var annJob = await client.SubmitAsync(ann);
        await client.SubmitAsync(bob);
        var gate = factory.Services.GetRequiredService<DirectExportGate>();
        var annId = new UserId(Guid.Parse(new JsonWebToken(ann).Subject));
        var bobId = new UserId(Guid.Parse(new JsonWebToken(bob).Subject));

        for (var round = 0; round < 5; round++)
        {
            hold.Close();
            var annRequests = Enumerable.Range(0, 7)
                .Select(i => Send(client, i % 2 == 0 ? "/jobs/export?format=csv" : $"/pipeline/{annJob}/export?format=json", ann, ct))
                .ToList();
            var bobRequests = Enumerable.Range(0, 2).Select(_ => Send(client, "/jobs/export?format=jsonl", bob, ct)).ToList();
            var annAnswers = await Task.WhenAll(annRequests);
            var bobAnswers = await Task.WhenAll(bobRequests);

            Assert.Equal(2, annAnswers.Count(r => r.StatusCode == HttpStatusCode.OK));
            foreach (var refused in annAnswers.Where(r => r.StatusCode != HttpStatusCode.OK))
            {
                Assert.Equal(TimeSpan.FromSeconds(5), refused.Headers.RetryAfter?.Delta);
                await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests, "too_many_direct_exports");
            }

            Assert.All(bobAnswers, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
            Assert.Equal(2, gate.Running(annId));

            hold.Open();
            foreach (var ok in annAnswers.Concat(bobAnswers).Where(r => r.StatusCode == HttpStatusCode.OK))
            {
                Assert.NotEmpty(await ok.Content.ReadAsByteArrayAsync(ct));
            }

            foreach (var response in annAnswers.Concat(bobAnswers))
            {
                response.Dispose();
            }

            // Bob's too: a slot is given back when the server has finished the answer, which may be just after the
            // client read its last byte, and a slot still held would refuse one of his next round's two.
            Assert.True(await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(gate.Running(annId) == 0)), "Ann's slots were not given back");
            Assert.True(await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(gate.Running(bobId) == 0)), "Bob's slots were not given back");
        }

        // A problem answer (another user's job: 404) gives its slot back too.
        for (var i = 0; i < 4; i++)
        {
            await (await client.GetWithTokenAsync($"/pipeline/{annJob}/export", bob)).AssertProblemAsync(HttpStatusCode.NotFound);
        }

        Assert.True(await ApiClientExtensions.EventuallyAsync(() => Task.FromResult(gate.Running(bobId) == 0)));
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, string url, string token, CancellationToken ct) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Get, url).WithBearer(token), HttpCompletionOption.ResponseHeadersRead, ct);

    /// <summary>Keeps every export waiting before its first byte until opened, so they all run at once.</summary>
    private sealed class Hold
    {
        private volatile TaskCompletionSource gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Passed(CancellationToken ct) => gate.Task.WaitAsync(ct);

        public void Close() => gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Open() => gate.TrySetResult();
    }

    private sealed class HeldExporter(IJobExporter inner, Hold hold) : IJobExporter
    {
        public Task<int> CountAsync(ExportSelection selection, CancellationToken cancellationToken) => inner.CountAsync(selection, cancellationToken);

        public async Task<ExportWriteResult> WriteAsync(
            ExportSelection selection, ExportFormat format, ExportWriteOptions options, Stream destination, IProgress<ExportProgress>? progress, CancellationToken cancellationToken)
        {
            // Kestrel sends the headers with the first flush; the test waits for them before counting the slots.
            await destination.FlushAsync(cancellationToken);
            await hold.Passed(cancellationToken);
            return await inner.WriteAsync(selection, format, options, destination, progress, cancellationToken);
        }
    }
}
