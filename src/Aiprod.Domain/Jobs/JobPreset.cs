namespace Aiprod.Domain.Jobs;

public enum JobPreset
{
    /// <summary>A short cut for social feeds (the default); the worker renders it with the profile of this name.</summary>
    QuickSocial,
    /// <summary>A brand campaign; the worker renders it with the profile of this name.</summary>
    BrandCampaign,
    /// <summary>A premium spot; the worker renders it with the profile of this name.</summary>
    PremiumSpot,
}
