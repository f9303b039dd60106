using System.Net;
using Aiprod.Infrastructure.Webhooks;

namespace Aiprod.Infrastructure.Tests;

public sealed class WebhookAddressGuardTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.8.9.10", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("::", "unspecified")]
    [InlineData("10.0.0.1", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("100.64.0.1", "shared (carrier-grade NAT)")]
    [InlineData("100.100.100.200", "shared (carrier-grade NAT)")]
    [InlineData("169.254.169.254", "link-local (cloud metadata)")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fd00:ec2::254", "private (unique local, cloud metadata)")]
    [InlineData("fc00::1", "private (unique local, cloud metadata)")]
    [InlineData("224.0.0.1", "multicast or reserved")]
    [InlineData("255.255.255.255", "multicast or reserved")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("64:ff9b::a00:1", "private")]
    [InlineData("2002:a9fe:a9fe::", "link-local (cloud metadata)")]
    [InlineData("198.18.0.1", "benchmarking")]
    public void ANonPublicAddress_IsRefused(string address, string why) =>
        Assert.Equal(why, WebhookAddressGuard.RefusalOf(IPAddress.Parse(address), allowLoopback: false));

    [Theory]
    [InlineData("93.184.215.14")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700::1111")]
    [InlineData("::ffff:8.8.8.8")]
    public void APublicAddress_IsAllowed(string address) =>
        Assert.Null(WebhookAddressGuard.RefusalOf(IPAddress.Parse(address), allowLoopback: false));

    [Theory]
    [InlineData("127.0.0.1", null)]
    [InlineData("::1", null)]
    [InlineData("10.0.0.1", "private")]
    [InlineData("169.254.169.254", "link-local (cloud metadata)")]
    public void TheLoopbackAllowance_AllowsLoopbackOnly(string address, string? why) =>
        Assert.Equal(why, WebhookAddressGuard.RefusalOf(IPAddress.Parse(address), allowLoopback: true));

    [Fact]
    public async Task AHostNameResolvingToLoopback_IsRefusedBeforeAnyConnection()
    {
        var refused = await Assert.ThrowsAsync<WebhookAddressRefusedException>(() =>
            WebhookAddressGuard.ConnectAsync(new DnsEndPoint("localhost", 9), allowLoopback: false, TestContext.Current.CancellationToken).AsTask());
        Assert.Equal("loopback", refused.Why);
        Assert.Equal(WebhookAddressRefusedException.PublicMessage, refused.Message);
    }
}
