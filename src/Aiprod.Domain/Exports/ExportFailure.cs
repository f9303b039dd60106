namespace Aiprod.Domain.Exports;

/// <summary>Why an export failed; its snake_case name is the <c>error_code</c> clients branch on.</summary>
public enum ExportFailure
{
    /// <summary>The file grew past <c>Exports:MaxBytes</c>; the partial file was removed.</summary>
    SizeLimitExceeded,

    /// <summary>The storage had less free space than the configured floor, before or while writing.</summary>
    InsufficientStorage,

    /// <summary>The export was interrupted (its runner died) more often than the configured attempts allow.</summary>
    AttemptsExhausted,

    /// <summary>Anything else broke while writing; the details are in the server's log, not in the answer.</summary>
    WriteFailed,
}
