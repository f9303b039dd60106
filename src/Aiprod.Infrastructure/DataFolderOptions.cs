namespace Aiprod.Infrastructure;

/// <summary>Where the embedded default keeps its files: the SQLite database and the generated signing key.</summary>
public sealed class DataFolderOptions
{
    public const string SectionName = "DataFolder";

    public string Path { get; set; } = "data";
}
