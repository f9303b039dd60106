using Aiprod.Application.Abstractions;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Admin.Commands.EnableUser;

/// <summary>An admin lets a disabled account log in again. What the disable ended (sessions, keys) stays ended.</summary>
public sealed record EnableUserCommand(UserId UserId, string Reason) : ICommand<Result<Done>>, IRetryOnConflict;

public sealed class EnableUserCommandValidator : AbstractValidator<EnableUserCommand>
{
    public EnableUserCommandValidator() => RuleFor(c => c.Reason).MustBeAnAdminReason();
}

public sealed class EnableUserCommandHandler(IUserRepository users, IAuditLog audit) : ICommandHandler<EnableUserCommand, Result<Done>>
{
    public async ValueTask<Result<Done>> Handle(EnableUserCommand command, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(command.UserId, cancellationToken);
        if (user is null)
        {
            return UserErrors.NotFound;
        }

        var enabled = user.Enable();
        if (!enabled.IsSuccess)
        {
            return enabled.Error;
        }

        audit.Record(new AuditEntry(AuditEventTypes.UserEnabled, AuditOutcome.Success, Target: user.Id.ToString(),
            Details: new Dictionary<string, object?> { ["reason"] = AdminReason.Clean(command.Reason) }));
        return Done.Value;
    }
}
