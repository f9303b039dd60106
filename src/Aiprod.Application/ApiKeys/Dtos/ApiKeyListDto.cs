namespace Aiprod.Application.ApiKeys.Dtos;

/// <summary>The caller's keys.</summary>
/// <param name="Keys">Newest first.</param>
/// <param name="Total">How many are listed.</param>
/// <param name="ActiveCount">How many of all the caller's keys are active.</param>
public sealed record ApiKeyListDto(IReadOnlyList<ApiKeyDto> Keys, int Total, int ActiveCount);
