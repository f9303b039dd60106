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
}

public enum ExportStorageProvider
{
    Local,
    AzureBlob,
}
