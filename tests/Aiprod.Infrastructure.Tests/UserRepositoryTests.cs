using Aiprod.Domain.Users;
using Aiprod.Infrastructure.Persistence;
using Aiprod.Infrastructure.Persistence.Repositories;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Infrastructure.Tests;

public sealed class UserRepositoryTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("aiprod-users-").FullName;

    [Fact]
    public async Task IsAdmin_ReadsTheStoredRole()
    {
        var ct = TestContext.Current.CancellationToken;
        var now = DateTimeOffset.UtcNow;
        await using var db = new SqliteAiprodDbContext(new DbContextOptionsBuilder<SqliteAiprodDbContext>()
            .UseSqlite($"Data Source={Path.Combine(folder, "aiprod.db")};Pooling=False").Options);
        await db.Database.MigrateAsync(ct);
        var ann = User.Register(Email.FromTrusted("ann@example.com"), null, "not-a-hash", now);
        var ops = User.Register(Email.FromTrusted("ops@example.com"), null, "not-a-hash", now);
        Assert.True(ops.PromoteToAdmin().IsSuccess);
        db.Users.AddRange(ann, ops);
        await db.SaveChangesAsync(ct);
        db.ChangeTracker.Clear();
        var users = new UserRepository(db);

        Assert.False(await users.IsAdminAsync(ann.Id, ct));
        Assert.True(await users.IsAdminAsync(ops.Id, ct));
        Assert.False(await users.IsAdminAsync(UserId.New(now), ct));

        // A disabled admin serves no other user's queue, whatever key of theirs another instance still has cached.
        var stored = await db.Users.SingleAsync(u => u.Id == ops.Id, ct);
        Assert.True(stored.Disable(now).IsSuccess);
        await db.SaveChangesAsync(ct);
        Assert.False(await users.IsAdminAsync(ops.Id, ct));
        Assert.True(stored.Enable().IsSuccess);
        await db.SaveChangesAsync(ct);
        Assert.True(await users.IsAdminAsync(ops.Id, ct));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
