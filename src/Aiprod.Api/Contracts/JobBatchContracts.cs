using System.ComponentModel.DataAnnotations;
using Aiprod.Api.OpenApi;
using Aiprod.Application.Jobs.Dtos;
using Aiprod.Domain.Jobs;

namespace Aiprod.Api.Contracts;

/// <summary>Jobs to submit in one request.</summary>
/// <param name="Jobs">1 to 100 jobs, each the body of `POST /pipeline/run`.</param>
// The count is MVC's check of the bound body (a 400 validation_failed naming `jobs`), which ValidatorSchemaFilter
// states as required/minItems/maxItems; each item is then checked by the command it is sent as.
public sealed record RunJobBatchRequest(
    [Required, MinLength(1, ErrorMessage = RunJobBatchRequest.TooFew), MaxLength(RunJobBatchRequest.MaxItems, ErrorMessage = RunJobBatchRequest.TooMany)]
    IReadOnlyList<RunJobRequest> Jobs) : IRequestExample<RunJobBatchRequest>
{
    public const int MaxItems = 100;
    private const string TooFew = "jobs lists at least one job.";
    // {1} is the attribute's length: the limit is written once, in MaxItems.
    private const string TooMany = "jobs lists at most {1} jobs; split a longer list into several batches.";

    public static RunJobBatchRequest Example => new([
        RunJobRequest.Example,
        new RunJobRequest("The same teaser, 9:16 for stories.", JobPreset.QuickSocial, JobPriority.Low, "fr", 15),
    ]);
}

/// <summary>Jobs to cancel in one request.</summary>
/// <param name="JobIds">1 to 100 ids of the caller's jobs.</param>
public sealed record CancelJobBatchRequest(
    [Required, MinLength(1, ErrorMessage = CancelJobBatchRequest.TooFew), MaxLength(RunJobBatchRequest.MaxItems, ErrorMessage = CancelJobBatchRequest.TooMany)]
    IReadOnlyList<JobId> JobIds) : IRequestExample<CancelJobBatchRequest>
{
    private const string TooFew = "job_ids lists at least one job id.";
    private const string TooMany = "job_ids lists at most {1} job ids; split a longer list into several batches.";

    public static CancelJobBatchRequest Example => new([
        new JobId(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e")),
        new JobId(Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7")),
    ]);
}

/// <summary>What one item of a batch would have answered on its own route.</summary>
/// <param name="Type">`urn:aiprod:problem:…`, the same as the single route's.</param>
/// <param name="Title">Short summary of the problem.</param>
/// <param name="Status">The HTTP status the single route would have answered.</param>
/// <param name="Detail">What to change.</param>
/// <param name="Errors">For `validation_failed`: field → messages, fields named as in the item.</param>
public sealed record BatchItemProblem(string Type, string Title, int Status, string Detail, IReadOnlyDictionary<string, string[]>? Errors);

/// <summary>One item of a submit batch, at its place in the request.</summary>
/// <param name="Index">The item's position in `jobs`, from 0.</param>
/// <param name="Status">202 when queued, else the status of `problem`.</param>
/// <param name="Job">The queued job (202 only), as `POST /pipeline/run` answers it.</param>
/// <param name="Problem">Why the item was refused: 4xx, or 503 when the database refused its write or it was not attempted (`not_attempted`).</param>
public sealed record RunJobBatchItem(int Index, int Status, JobSubmittedDto? Job, BatchItemProblem? Problem);

/// <summary>The items of a submit batch, in request order.</summary>
/// <param name="Items">One result per submitted job, in the order of `jobs`.</param>
/// <param name="Accepted">How many were queued.</param>
/// <param name="Refused">How many were refused.</param>
public sealed record RunJobBatchResponse(IReadOnlyList<RunJobBatchItem> Items, int Accepted, int Refused);

/// <summary>One item of a cancel batch, at its place in the request.</summary>
/// <param name="Index">The item's position in `job_ids`, from 0.</param>
/// <param name="JobId">The id as sent.</param>
/// <param name="Status">204 when cancelled, else the status of `problem` (404 not the caller's job or none, 409 ended, 503 not written).</param>
/// <param name="Problem">Why the job was not cancelled: 4xx, or 503 when the database refused the write or it was not attempted (`not_attempted`).</param>
public sealed record CancelJobBatchItem(int Index, JobId JobId, int Status, BatchItemProblem? Problem);

/// <summary>The items of a cancel batch, in request order.</summary>
/// <param name="Items">One result per job id, in the order of `job_ids`.</param>
/// <param name="Cancelled">How many were cancelled.</param>
/// <param name="Refused">How many were refused.</param>
public sealed record CancelJobBatchResponse(IReadOnlyList<CancelJobBatchItem> Items, int Cancelled, int Refused);
