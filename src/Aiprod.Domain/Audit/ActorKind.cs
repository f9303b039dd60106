namespace Aiprod.Domain.Audit;

public enum ActorKind
{
    Anonymous = 0,
    User = 1,
    ApiKey = 2,
    System = 3,
}
