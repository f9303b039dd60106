using Aiprod.Application.Abstractions;
using Aiprod.Application.Accounts.Dtos;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using Mediator;

namespace Aiprod.Application.Accounts.Commands.RegisterUser;

public sealed class RegisterUserCommandHandler(
    IUserRepository users,
    IPasswordHasher hasher,
    IAuditLog audit,
    IUnitOfWork unitOfWork,
    TimeProvider clock) : ICommandHandler<RegisterUserCommand, Result<UserDto>>
{
    private static readonly Error EmailTaken = Error.Conflict("email_taken", "An account with this email address already exists.");

    public async ValueTask<Result<UserDto>> Handle(RegisterUserCommand command, CancellationToken cancellationToken)
    {
        if (!Email.TryCreate(command.Email, out var email))
        {
            return Error.Validation("invalid_email", "The email address is not valid.");
        }

        if (await users.EmailExistsAsync(email, cancellationToken))
        {
            return EmailTaken;
        }

        var user = User.Register(email, command.DisplayName, hasher.Hash(command.Password), clock.GetUtcNow());
        users.Add(user);
        audit.Record(new AuditEntry(AuditEventTypes.UserRegistered, AuditOutcome.Success, Target: user.Id.ToString(), ActorKind: ActorKind.User, ActorId: user.Id.ToString()));
        try
        {
            await unitOfWork.SaveChangesAsync(cancellationToken);
        }
        catch (UniqueConstraintViolationException)
        {
            // Two registrations raced past the existence check; the unique index decided.
            return EmailTaken;
        }

        return user.ToDto();
    }
}
