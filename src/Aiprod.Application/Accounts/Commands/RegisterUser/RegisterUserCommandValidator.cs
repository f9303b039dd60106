using Aiprod.Domain.Users;
using FluentValidation;

namespace Aiprod.Application.Accounts.Commands.RegisterUser;

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
