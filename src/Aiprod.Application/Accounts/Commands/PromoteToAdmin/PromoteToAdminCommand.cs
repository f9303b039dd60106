using Aiprod.Application.Abstractions;
using Aiprod.Application.Accounts.Dtos;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Accounts.Commands.PromoteToAdmin;

/// <summary>An operator's command (run from the command line of the API host) that gives a user the admin role.</summary>
public sealed record PromoteToAdminCommand(string Email) : ICommand<Result<UserDto>>, IRetryOnConflict;

public sealed class PromoteToAdminCommandValidator : AbstractValidator<PromoteToAdminCommand>
{
    public PromoteToAdminCommandValidator() =>
        RuleFor(c => c.Email).Must(e => Email.TryCreate(e, out _)).WithMessage("The email address is not valid.");
}

public sealed class PromoteToAdminCommandHandler(IUserRepository users, IAuditLog audit)
    : ICommandHandler<PromoteToAdminCommand, Result<UserDto>>
{
    public async ValueTask<Result<UserDto>> Handle(PromoteToAdminCommand command, CancellationToken cancellationToken)
    {
        _ = Email.TryCreate(command.Email, out var email);
        var user = await users.FindByEmailAsync(email, cancellationToken);
        if (user is null)
        {
            return UserErrors.NoAccountWithEmail(email);
        }

        var promoted = user.PromoteToAdmin();
        if (!promoted.IsSuccess)
        {
            return promoted.Error;
        }

        audit.Record(new AuditEntry(AuditEventTypes.UserPromotedToAdmin, AuditOutcome.Success, Target: user.Id.ToString(), ActorKind: ActorKind.System));
        return user.ToDto();
    }
}
