namespace Aiprod.Api.Contracts;

/// <summary>A worker asks for work.</summary>
/// <param name="LeaseSeconds">How long the job is held without a report (5 to 600, default 60). Each progress report renews it. <example>120</example></param>
public sealed record ClaimJobRequest(int? LeaseSeconds);
