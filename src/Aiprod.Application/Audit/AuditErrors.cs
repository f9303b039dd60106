using Aiprod.Domain.Common;

namespace Aiprod.Application.Audit;

public static class AuditErrors
{
    public static readonly Error AdminOnlyFilter = Error.Forbidden(
        "admin_only_filter", "Only an admin may read another actor's events; leave out actor to read your own.");
}
