using System.Runtime.Versioning;
using System.Security.Cryptography;
using Aiprod.Application.Webhooks;
using Aiprod.Infrastructure.Webhooks;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Aiprod.Infrastructure.Tests;

public sealed class WebhookSecretBoxTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-webhook-key-").FullName;

    private string KeyFile => Path.Combine(folder, WebhookSecretBox.KeyFileName);

    private WebhookSecretBox Box() => new(
        Options.Create(new WebhookOptions()),
        Options.Create(new DataFolderOptions { Path = folder }),
        new TestingEnvironment(),
        NullLogger<WebhookSecretBox>.Instance);

    [Fact]
    public void AGeneratedKeyFile_IsThirtyTwoBytes_AndDecryptsAfterARestart()
    {
        var (secret, ciphertext) = Box().Generate();

        Assert.Equal(32, File.ReadAllBytes(KeyFile).Length);
        Assert.Equal(secret, Box().Decrypt(ciphertext));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(48)]
    [InlineData(64)]
    [UnsupportedOSPlatform("windows")]
    public void AKeyFileOfAnyOtherLength_StopsTheStart_SayingWhy(int length)
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only.");
        File.WriteAllBytes(KeyFile, RandomNumberGenerator.GetBytes(length));
        File.SetUnixFileMode(KeyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        var refused = Assert.Throws<InvalidOperationException>(Box);

        Assert.Contains(KeyFile, refused.Message, StringComparison.Ordinal);
        Assert.Contains($"holds {length} bytes", refused.Message, StringComparison.Ordinal);
        Assert.Contains("exactly 32", refused.Message, StringComparison.Ordinal);
        Assert.Contains(WebhookSecretBox.Setting, refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(33)]
    [InlineData(64)]
    public void AConfiguredKeyOfAnyOtherLength_IsRefused(int length)
    {
        var options = Options.Create(new WebhookOptions { SecretKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(length)) });

        var refused = Assert.Throws<InvalidOperationException>(() => new WebhookSecretBox(
            options, Options.Create(new DataFolderOptions { Path = folder }), new TestingEnvironment(), NullLogger<WebhookSecretBox>.Instance));

        Assert.Contains("exactly 32 bytes", refused.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(KeyFile));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private sealed class TestingEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Testing";

        public string ApplicationName { get; set; } = "Aiprod.Infrastructure.Tests";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
