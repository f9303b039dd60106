using Aiprod.Domain.Users;
using Riok.Mapperly.Abstractions;

namespace Aiprod.Application.Accounts.Dtos;

[Mapper]
public static partial class UserMapper
{
    [MapperIgnoreSource(nameof(User.PasswordHash))]
    [MapperIgnoreSource(nameof(User.FailedLoginCount))]
    [MapperIgnoreSource(nameof(User.LockoutEndsAt))]
    [MapperIgnoreSource(nameof(User.DisabledAt))]
    [MapperIgnoreSource(nameof(User.IsDisabled))]
    [MapperIgnoreSource(nameof(User.PasswordChangedAt))]
    [MapperIgnoreSource(nameof(User.Version))]
    public static partial UserDto ToDto(this User user);

    private static string MapEmail(Email email) => email.Value;
}
