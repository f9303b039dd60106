using Aiprod.Application.Accounts.Commands.Login;
using Aiprod.Application.Accounts.Commands.RegisterUser;
using Aiprod.Application.Accounts.Dtos;
using Aiprod.Application.Common;
using Aiprod.Application.Common.Behaviours;
using Aiprod.Application.Jobs.Commands.SubmitJob;
using Aiprod.Domain.Users;
using Aiprod.Domain.Common;

namespace Aiprod.Application.Tests;

public sealed class ValidationTests
{
    private readonly RegisterUserCommandValidator validator = new();

    [Theory]
    [InlineData("short", "The password must be at least 12 characters long.")]
    [InlineData("ann@example.com", "The password must not be or contain the email address.")]
    [InlineData("my ANN@EXAMPLE.COM pass", "The password must not be or contain the email address.")]
    public void RegisterValidator_RefusesPasswordsOutsideThePolicy(string password, string message)
    {
        var result = validator.Validate(new RegisterUserCommand("ann@example.com", password, null));

        Assert.Contains(result.Errors, e => e.PropertyName == "Password" && e.ErrorMessage == message);
    }

    [Fact]
    public void RegisterValidator_AcceptsAGoodCommand()
    {
        Assert.True(validator.Validate(new RegisterUserCommand("ann@example.com", "correct horse battery", "Ann")).IsValid);
    }

    [Fact]
    public void RegisterValidator_RefusesAnInvalidEmailAndALongDisplayName()
    {
        var result = validator.Validate(new RegisterUserCommand("nope", "correct horse battery", new string('x', 101)));

        Assert.Contains(result.Errors, e => e.PropertyName == "Email");
        Assert.Contains(result.Errors, e => e.PropertyName == "DisplayName");
    }

    [Theory]
    [InlineData("en\n", false)]
    [InlineData("pt-BR\n", false)]
    [InlineData("en\r\n", false)]
    [InlineData("EN", false)]
    [InlineData("en", true)]
    [InlineData("pt-BR", true)]
    public void SubmitJobValidator_TakesALanguageTag_AndNothingAfterIt(string lang, bool valid)
    {
        var result = new SubmitJobCommandValidator().Validate(new SubmitJobCommand(UserId.New(DateTimeOffset.UnixEpoch), "A launch video", null, null, lang, null));

        Assert.Equal(valid, !result.Errors.Any(e => e.PropertyName == "Lang"));
    }

    [Fact]
    public async Task ValidationBehaviour_WithInvalidMessage_ThrowsWithFieldErrorsAndNeverCallsTheHandler()
    {
        var behaviour = new ValidationBehaviour<LoginCommand, Result<TokenResponse>>([new LoginCommandValidator()]);
        var called = false;

        var ex = await Assert.ThrowsAsync<ValidationFailedException>(async () =>
            await behaviour.Handle(new LoginCommand("", ""), (_, _) => { called = true; return default; }, TestContext.Current.CancellationToken));

        Assert.False(called);
        Assert.Equal(["Email", "Password"], ex.Errors.Keys.Order());
    }

    [Fact]
    public async Task ValidationBehaviour_WithValidMessage_CallsTheHandler()
    {
        var behaviour = new ValidationBehaviour<LoginCommand, Result<TokenResponse>>([new LoginCommandValidator()]);
        var expected = Result<TokenResponse>.Success(new TokenResponse("t", "Bearer", 1, DateTimeOffset.UnixEpoch));

        var result = await behaviour.Handle(new LoginCommand("ann@example.com", "pw"), (_, _) => ValueTask.FromResult(expected), TestContext.Current.CancellationToken);

        Assert.Equal(expected, result);
    }
}
