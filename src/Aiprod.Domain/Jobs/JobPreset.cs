namespace Aiprod.Domain.Jobs;

public enum JobPreset
{
    QuickSocial,
    BrandCampaign,
    PremiumSpot,
}
