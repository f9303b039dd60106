namespace Aiprod.Domain.Jobs;

/// <summary>What a submitted job gets for each setting its submitter left out.</summary>
public static class JobDefaults
{
    public const JobPreset Preset = JobPreset.QuickSocial;
    public const JobPriority Priority = JobPriority.Normal;
    public const string Lang = "en";
    public const int DurationSec = 30;
}
