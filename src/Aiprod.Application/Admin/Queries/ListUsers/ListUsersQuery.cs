using System.Text;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Admin.Dtos;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Admin.Queries.ListUsers;

/// <summary>Accounts in id order (registration order on SQLite), a page at a time; filtered by part of the address, role and status.</summary>
public sealed record ListUsersQuery(string? Email, UserRole? Role, AdminUserStatus? Status, string? After, int? Limit) : IQuery<AdminUserPageDto>;

public sealed class ListUsersQueryValidator : AbstractValidator<ListUsersQuery>
{
    public const int MaxLimit = 100;
    public const int DefaultLimit = 50;

    public ListUsersQueryValidator()
    {
        RuleFor(q => q.Limit).InclusiveBetween(1, MaxLimit).When(q => q.Limit is not null)
            .OverridePropertyName("limit").WithMessage($"limit must be between 1 and {MaxLimit}.");
        RuleFor(q => q.After).Must(a => AdminCursor.TryDecode(a, out _)).When(q => q.After is not null)
            .OverridePropertyName("after").WithMessage("after must be the next_after of an earlier page of this list.");
        RuleFor(q => q.Email).Must(e => e is { Length: > 0 and <= Email.MaxLength } && !e.Any(char.IsControl) && IsWellFormed(e))
            .When(q => q.Email is not null)
            .OverridePropertyName("email").WithMessage($"email is part of an address: 1 to {Email.MaxLength} characters, no control characters.");
        RuleFor(q => q.Role).IsInEnum().OverridePropertyName("role").WithMessage("role must be user or admin.");
        RuleFor(q => q.Status).IsInEnum().OverridePropertyName("status").WithMessage("status must be active, disabled or locked.");
    }

    // A lone surrogate cannot be normalised like a stored address.
    private static bool IsWellFormed(string text)
    {
        try
        {
            _ = text.Normalize(NormalizationForm.FormC);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}

public sealed class ListUsersQueryHandler(IAdminReader reader, TimeProvider clock) : IQueryHandler<ListUsersQuery, AdminUserPageDto>
{
    public async ValueTask<AdminUserPageDto> Handle(ListUsersQuery query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var limit = query.Limit ?? ListUsersQueryValidator.DefaultLimit;
        UserId? after = AdminCursor.TryDecode(query.After, out var last) ? last : null;

        // Stored addresses are trimmed, lower case and NFC (Email), so the search term is put in the same form: the
        // match is then case-insensitive on every provider, whatever its collation.
        var term = query.Email?.Trim().ToLowerInvariant().Normalize(NormalizationForm.FormC);
        var rows = await reader.ListUsersAsync(new UserListFilter(string.IsNullOrEmpty(term) ? null : term, query.Role, query.Status, after, limit + 1, now), cancellationToken);
        var page = rows.Take(limit).Select(u => u.ToAdminDto(now)).ToList();
        return new AdminUserPageDto(page, rows.Count > limit ? AdminCursor.Encode(page[^1].UserId) : null);
    }
}
