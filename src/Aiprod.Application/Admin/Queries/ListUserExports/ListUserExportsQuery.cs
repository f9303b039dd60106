using Aiprod.Application.Abstractions;
using Aiprod.Application.Exports.Dtos;
using Aiprod.Application.Exports.Queries.ListExports;
using Aiprod.Domain.Common;
using Aiprod.Domain.Exports;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Admin.Queries.ListUserExports;

/// <summary>
/// A user's exports, newest first: the owner's own listing (<see cref="ListExportsQuery"/>, its filters, paging and
/// refusals) with the owner taken from the route, for a user that exists.
/// </summary>
public sealed record ListUserExportsQuery(UserId UserId, ExportStatus? Status, int? Limit, int? Offset) : IQuery<Result<ExportPageDto>>;

public sealed class ListUserExportsQueryHandler(IUserRepository users, ISender sender) : IQueryHandler<ListUserExportsQuery, Result<ExportPageDto>>
{
    public async ValueTask<Result<ExportPageDto>> Handle(ListUserExportsQuery query, CancellationToken cancellationToken)
    {
        if (await users.FindByIdAsync(query.UserId, cancellationToken) is null)
        {
            return UserErrors.NotFound;
        }

        return await sender.Send(new ListExportsQuery(query.UserId, query.Status, query.Limit, query.Offset), cancellationToken);
    }
}
