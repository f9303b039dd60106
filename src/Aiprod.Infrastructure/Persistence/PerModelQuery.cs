using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>
/// One compiled query per EF Core model. EF Core runs a compiled query only against the model it first ran on (it throws
/// "executed with a different model" otherwise), and one process can hold several models: the SQLite and SQL Server
/// contexts of a test run where Docker is reachable, or a context built with a replaced service. An API process runs one
/// model, so each call costs one lock-free table look-up.
/// </summary>
internal sealed class PerModelQuery<TQuery>(Func<TQuery> compile)
    where TQuery : class
{
    private readonly ConditionalWeakTable<IModel, TQuery> compiled = new();
    private readonly ConditionalWeakTable<IModel, TQuery>.CreateValueCallback create = _ => compile();

    public TQuery For(DbContext db) => compiled.GetValue(db.Model, create);
}
