using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Aiprod.Infrastructure.Persistence;

internal sealed class SqlServerDesignTimeFactory : IDesignTimeDbContextFactory<SqlServerAiprodDbContext>
{
    public SqlServerAiprodDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlServerAiprodDbContext>()
            .UseSqlServer("Server=localhost;Database=aiprod;Trusted_Connection=False;TrustServerCertificate=True")
            .Options);
}
