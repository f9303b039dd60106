using Aiprod.Api.OpenApi;
namespace Aiprod.Api.Contracts;

/// <summary>A worker asks for work.</summary>
/// <param name="LeaseSeconds">How long the job is held without a report (5 to 600, default 60). Each progress report renews it. <example>120</example></param>
[ValidatedAs(typeof(Aiprod.Application.Jobs.Commands.ClaimJob.ClaimJobCommand))]
public sealed record ClaimJobRequest(int? LeaseSeconds) : IRequestExample<ClaimJobRequest>
{
    public static ClaimJobRequest Example => new(120);
}
