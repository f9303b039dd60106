using Aiprod.Application.Abstractions;
using Aiprod.Application.Accounts.Dtos;
using Aiprod.Application.Common;
using Aiprod.Domain.Audit;
using Aiprod.Domain.Common;
using Aiprod.Domain.Users;
using FluentValidation;
using Mediator;

namespace Aiprod.Application.Accounts.Commands.RegisterUser;

public sealed record RegisterUserCommand(string Email, string Password, string? DisplayName)
    : ICommand<Result<UserDto>>, IRefusedByUniqueIndex<Result<UserDto>>
{
    // Two registrations raced past the existence check; the unique index decided.
    public Result<UserDto> WhenUniqueIndexRefuses() => UserErrors.EmailTaken;
}

public sealed class RegisterUserCommandValidator : AbstractValidator<RegisterUserCommand>
{
    public RegisterUserCommandValidator()
    {
        RuleFor(c => c.Email)
            .NotEmpty().WithMessage("An email address is required.")
            .Must(e => Domain.Users.Email.TryCreate(e, out _)).WithMessage("The email address is not valid.");
        RuleFor(c => c.Password).MeetsPasswordPolicy(c => c.Email);
        RuleFor(c => c.DisplayName)
            .MaximumLength(User.DisplayNameMaxLength).WithMessage($"The display name must be at most {User.DisplayNameMaxLength} characters long.");
    }
}

public sealed class RegisterUserCommandHandler(
    IUserRepository users,
    IPasswordHasher hasher,
    IAuditLog audit,
    TimeProvider clock) : ICommandHandler<RegisterUserCommand, Result<UserDto>>
{
    public async ValueTask<Result<UserDto>> Handle(RegisterUserCommand command, CancellationToken cancellationToken)
    {
        if (!Email.TryCreate(command.Email, out var email))
        {
            return UserErrors.InvalidEmail;
        }

        if (await users.EmailExistsAsync(email, cancellationToken))
        {
            return UserErrors.EmailTaken;
        }

        var user = User.Register(email, command.DisplayName, hasher.Hash(command.Password), clock.GetUtcNow());
        users.Add(user);
        audit.Record(new AuditEntry(AuditEventTypes.UserRegistered, AuditOutcome.Success, Target: user.Id.ToString(), ActorKind: ActorKind.User, ActorId: user.Id.ToString()));
        return user.ToDto();
    }
}
