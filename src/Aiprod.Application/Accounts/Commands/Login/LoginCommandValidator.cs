using FluentValidation;

namespace Aiprod.Application.Accounts.Commands.Login;

public sealed class LoginCommandValidator : AbstractValidator<LoginCommand>
{
    public LoginCommandValidator()
    {
        RuleFor(c => c.Email).NotEmpty().WithMessage("An email address is required.")
            .MaximumLength(Domain.Users.Email.MaxLength).WithMessage("The email address is too long.");
        RuleFor(c => c.Password).NotEmpty().WithMessage("A password is required.")
            .MaximumLength(PasswordRules.MaxLength).WithMessage($"The password must be at most {PasswordRules.MaxLength} characters long.");
    }
}
