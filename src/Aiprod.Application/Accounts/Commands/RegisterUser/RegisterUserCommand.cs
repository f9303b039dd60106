using Aiprod.Application.Accounts.Dtos;
using Aiprod.Domain.Common;
using Mediator;

namespace Aiprod.Application.Accounts.Commands.RegisterUser;

public sealed record RegisterUserCommand(string Email, string Password, string? DisplayName) : ICommand<Result<UserDto>>;
