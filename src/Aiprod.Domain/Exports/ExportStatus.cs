namespace Aiprod.Domain.Exports;

/// <summary>Where an export is: queued → running → succeeded | failed | cancelled; succeeded → expired once its file is deleted.</summary>
public enum ExportStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    Expired,
}
