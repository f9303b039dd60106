using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Aiprod.Infrastructure.Persistence;

// Used by dotnet-ef only, to add migrations and script them without a running server.
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteAiprodDbContext>
{
    public SqliteAiprodDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteAiprodDbContext>()
            .UseSqlite("Data Source=design-time.db", o => o.MigrationsAssembly(typeof(SqliteAiprodDbContext).Assembly.FullName))
            .Options);
}
