using System.Buffers.Binary;
using Aiprod.Browser.Tests.Infrastructure;

namespace Aiprod.Browser.Tests;

/// <summary>The suite's own machinery: that a failure leaves a screenshot, and that a CSP violation is noticed.</summary>
[Collection(BrowserSuite.Name)]
public sealed class BrowserHelperTests(SwaggerUiHost host)
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    [BrowserFact]
    public async Task AFailingStep_SavesAFullPageScreenshot_AttachesIt_AndNamesItInTheFailure()
    {
        const string name = "ScreenshotProbe";
        var path = Path.Combine(BrowserPage.ArtifactsFolder, name + ".png");
        // A fresh clone has no artifacts folder yet (File.Delete throws for a missing folder, not for a missing file).
        Directory.CreateDirectory(BrowserPage.ArtifactsFolder);
        File.Delete(path);
        await using var browser = await host.NewPageAsync();
        await new SwaggerUi(browser.Page).OpenAsync();

        var failure = await Assert.ThrowsAsync<BrowserTestFailedException>(() =>
            browser.RunAsync(_ => throw new InvalidOperationException("a deliberate failure"), name));

        try
        {
            Assert.IsType<InvalidOperationException>(failure.InnerException);
            Assert.Contains("a deliberate failure", failure.Message, StringComparison.Ordinal);
            Assert.Contains("Screenshot: " + path, failure.Message, StringComparison.Ordinal);
            var png = await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken);
            Assert.Equal(PngSignature, png[..8]);
            // The IHDR height: the whole list of operations, far taller than the 900-pixel viewport.
            Assert.True(BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)) > 900, "The screenshot is not of the full page.");
            Assert.Contains(name + ".png", TestContext.Current.Attachments!.Keys);
        }
        finally
        {
            // A passing run leaves no screenshot behind that could be mistaken for a failure's.
            File.Delete(path);
        }
    }

    [BrowserFact]
    public async Task AnInlineScriptInjectedIntoSwaggerUi_IsBlockedByItsCsp_AndRecordedAsAProblem()
    {
        await using var browser = await host.NewPageAsync();
        await new SwaggerUi(browser.Page).OpenAsync();
        Assert.Empty(browser.Problems);

        var ran = await browser.Page.EvaluateAsync<bool>(
            """
            () => new Promise(resolve => {
              document.addEventListener('securitypolicyviolation', () => resolve(window.injected === true), { once: true });
              const script = document.createElement('script');
              script.textContent = 'window.injected = true';
              document.head.appendChild(script);
              // An inline script that is allowed runs on insertion, and no violation would ever come.
              if (window.injected === true) resolve(true);
            })
            """);

        Assert.False(ran, "The inline script ran: the page's CSP does not block it.");
        var deadline = DateTime.UtcNow + SwaggerUiHost.Timeout;
        while (!browser.Problems.Any(p => p.StartsWith("CSP violation: script-src", StringComparison.Ordinal)) && DateTime.UtcNow < deadline)
        {
            // The binding's call reaches the test process asynchronously, after the page saw the event.
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        Assert.Contains(browser.Problems, p => p.StartsWith("CSP violation: script-src", StringComparison.Ordinal));
    }
}
