using Aiprod.Application.Abstractions;
using Aiprod.Application.Audit.Dtos;
using Mediator;

namespace Aiprod.Application.Audit.Queries.VerifyAuditChain;

/// <summary>Walks the whole audit chain and its checkpoints (the admin route and the host's <c>verify-audit</c> command).</summary>
public sealed record VerifyAuditChainQuery : IQuery<AuditVerificationReport>;

public sealed class VerifyAuditChainQueryHandler(IAuditChainVerifier verifier) : IQueryHandler<VerifyAuditChainQuery, AuditVerificationReport>
{
    public async ValueTask<AuditVerificationReport> Handle(VerifyAuditChainQuery query, CancellationToken cancellationToken) =>
        await verifier.VerifyAsync(cancellationToken);
}
