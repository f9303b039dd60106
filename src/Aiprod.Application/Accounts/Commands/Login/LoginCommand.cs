using Aiprod.Application.Accounts.Dtos;
using Aiprod.Domain.Common;
using Mediator;

namespace Aiprod.Application.Accounts.Commands.Login;

public sealed record LoginCommand(string Email, string Password) : ICommand<Result<TokenResponse>>;
