using System.Net;
using Aiprod.Functional.Tests.Infrastructure;

namespace Aiprod.Functional.Tests.Webhooks;

/// <summary>
/// The SSRF guard at send time, on a host without the loopback allowance: each refused address is recorded as the
/// attempt's error and nothing reaches the receiver; a redirect is recorded, not followed.
/// </summary>
public sealed class WebhookSsrfTests
{
    [Theory]
    [InlineData("http://127.0.0.1:{port}/hook")]
    [InlineData("http://localhost:{port}/hook")]
    [InlineData("http://[::ffff:127.0.0.1]:{port}/hook")]
    [InlineData("http://10.1.2.3/hook")]
    [InlineData("http://192.168.0.10/hook")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[fd00:ec2::254]/")]
    public async Task AnAddressThatIsNotPublic_IsRefusedAtSendTime(string url)
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock(), allowLoopback: false);
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, _) = await client.CreateWebhookAsync(ann, url.Replace("{port}", receiver.BaseAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal), "job.completed");
        await client.PingAsync(ann, hook);

        Assert.Equal(1, await factory.DispatchAsync());

        Assert.Empty(receiver.Requests);
        var delivery = Assert.Single(await client.DeliveriesAsync(ann, hook))!;
        Assert.Equal("pending", delivery.AsObject().Str("status"));
        var attempt = Assert.Single(delivery["attempts"]!.AsArray())!;
        Assert.Null(attempt["status_code"]);
        // Said without the address or its kind: what an internal name resolves to is not the user's to learn.
        Assert.Equal("The host resolves to an address webhooks are not sent to.", attempt["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task ARefusedHostName_DoesNotTellWhatItResolvesTo()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock(), allowLoopback: false);
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, _) = await client.CreateWebhookAsync(ann, $"http://localhost:{receiver.BaseAddress.Port}/hook", "job.completed");
        await client.PingAsync(ann, hook);

        await factory.DispatchAsync();

        var deliveries = (await client.DeliveriesAsync(ann, hook)).ToJsonString();
        Assert.Contains("The host resolves to an address webhooks are not sent to.", deliveries, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", deliveries, StringComparison.Ordinal);
        Assert.DoesNotContain("::1", deliveries, StringComparison.Ordinal);
        Assert.DoesNotContain("loopback", deliveries, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARedirect_IsRecordedAsAFailure_AndNotFollowed()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var factory = WebhookTestKit.Host(WebhookTestKit.Clock(), allowLoopback: true);
        var client = factory.CreateClient();
        var ann = await client.RegisterAndLoginAsync("ann@example.com");
        var (hook, _) = await client.CreateWebhookAsync(ann, receiver.RedirectUrl, "job.completed");
        await client.PingAsync(ann, hook);

        await factory.DispatchAsync();

        Assert.Empty(receiver.Requests);
        var attempt = Assert.Single(Assert.Single(await client.DeliveriesAsync(ann, hook))!["attempts"]!.AsArray())!;
        Assert.Equal((int)HttpStatusCode.Redirect, attempt["status_code"]!.GetValue<int>());
        Assert.Contains("redirects are not followed", attempt["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
