using System.Net;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using Aiprod.Functional.Tests.Infrastructure;
using Aiprod.Infrastructure.Tokens;

namespace Aiprod.Functional.Tests.Api;

/// <summary>The API host and its key file in the data folder.</summary>
public sealed class SigningKeyStartupTests
{
    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task AKeyFileOthersCanRead_StopsTheHost_SayingWhatToDo()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only.");
        await using var factory = new AiprodApiFactory();
        var file = Path.Combine(factory.DataFolder, SigningKeyStore.KeyFileName);
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            await File.WriteAllTextAsync(file, key.ExportPkcs8PrivateKeyPem(), TestContext.Current.CancellationToken);
        }

        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var refused = Assert.Throws<InvalidOperationException>(() => factory.CreateClient());
        Assert.Contains("chmod 600", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    [UnsupportedOSPlatform("windows")]
    public async Task TheGeneratedKeyFile_IsOwnerOnly_AndNoTemporaryCopyIsLeft()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "Unix file modes only.");
        await using var factory = new AiprodApiFactory();

        Assert.Equal(HttpStatusCode.OK, (await factory.CreateClient().GetAsync("/health", TestContext.Current.CancellationToken)).StatusCode);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(factory.DataFolder, SigningKeyStore.KeyFileName)));
        Assert.Empty(Directory.GetFiles(factory.DataFolder, "*.tmp"));
    }
}
