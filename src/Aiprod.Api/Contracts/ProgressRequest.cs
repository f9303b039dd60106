using Aiprod.Api.OpenApi;
using System.ComponentModel.DataAnnotations;

namespace Aiprod.Api.Contracts;

/// <summary>A progress report; renews the lease.</summary>
/// <param name="Progress">Percent done, 0 to 100. <example>40</example></param>
/// <param name="Message">What is happening now. <example>Rendering scene 2 of 5</example></param>
[ValidatedAs(typeof(Aiprod.Application.Jobs.Commands.ReportProgress.ReportProgressCommand))]
public sealed record ProgressRequest([Required] int? Progress, string? Message) : IRequestExample<ProgressRequest>
{
    public static ProgressRequest Example => new(40, "Rendering scene 2 of 5");
}
