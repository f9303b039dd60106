using Aiprod.Domain.Users;

namespace Aiprod.Domain.Tests;

internal sealed class UserBuilder
{
    private string email = "ann@example.com";
    private string? displayName;
    private DateTimeOffset registeredAt = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public UserBuilder WithEmail(string value)
    {
        email = value;
        return this;
    }

    public UserBuilder WithDisplayName(string? value)
    {
        displayName = value;
        return this;
    }

    public UserBuilder RegisteredAt(DateTimeOffset value)
    {
        registeredAt = value;
        return this;
    }

    public User Build()
    {
        Email.TryCreate(email, out var address);
        return User.Register(address, displayName, "hash", registeredAt);
    }
}
