namespace Aiprod.Domain.Jobs;

public enum JobStatus
{
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}

public enum JobPreset
{
    QuickSocial,
    BrandCampaign,
    PremiumSpot,
}

public enum JobPriority
{
    Low = 0,
    Normal = 1,
    High = 2,
}

public enum JobEventType
{
    StateChanged,
    Progress,
    Log,
}
