namespace Aiprod.Domain.Audit;

public enum ActorKind
{
    /// <summary>No one signed in: a login, a registration or a refusal before any credential was accepted.</summary>
    Anonymous = 0,
    /// <summary>A user acting with their access token.</summary>
    User = 1,
    /// <summary>A script or worker acting with an API key.</summary>
    ApiKey = 2,
    /// <summary>The service itself: a sweeper, a lease expiry, a lockout, a promotion from the command line.</summary>
    System = 3,
}
