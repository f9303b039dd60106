namespace Aiprod.Domain.Jobs;

public enum JobEventType
{
    StateChanged,
    Progress,
    Log,
}
