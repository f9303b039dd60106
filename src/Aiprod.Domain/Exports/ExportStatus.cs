namespace Aiprod.Domain.Exports;

/// <summary>Where an export is: queued → running → succeeded | failed | cancelled; succeeded → expired once its file is deleted.</summary>
public enum ExportStatus
{
    /// <summary>Waiting for a runner.</summary>
    Queued,
    /// <summary>Being written.</summary>
    Running,
    /// <summary>Written: the file can be downloaded until its retention ends.</summary>
    Succeeded,
    /// <summary>Stopped with an error (see its error code).</summary>
    Failed,
    /// <summary>Cancelled by its owner or an admin before it was written.</summary>
    Cancelled,
    /// <summary>Succeeded, and its file was deleted after its retention.</summary>
    Expired,
}
