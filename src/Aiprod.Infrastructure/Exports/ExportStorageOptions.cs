namespace Aiprod.Infrastructure.Exports;

/// <summary>Where export files live: configuration section <c>Exports:Storage</c>.</summary>
public sealed class ExportStorageOptions
{
    public const string SectionName = "Exports:Storage";

    public ExportStorageProvider Provider { get; set; } = ExportStorageProvider.Local;

    /// <summary>The folder of the local provider; <c>exports</c> under the data folder when empty. Several instances need a shared volume.</summary>
    public string? Path { get; set; }

    /// <summary>The Azure Storage connection string of the blob provider (a secret: from the environment or a vault, never a committed file).</summary>
    public string? AzureConnectionString { get; set; }

    public string AzureContainer { get; set; } = "exports";

    /// <summary>
    /// How long one request to the blob service may take before it is given up (the SDK's network timeout; its
    /// default is 100 s, which let a stalled service hold a download request for minutes).
    /// </summary>
    public TimeSpan AzureNetworkTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of a failed or timed-out request to the blob service, with exponential backoff.</summary>
    public int AzureMaxRetries { get; set; } = 1;
}

public enum ExportStorageProvider
{
    Local,
    AzureBlob,
}
