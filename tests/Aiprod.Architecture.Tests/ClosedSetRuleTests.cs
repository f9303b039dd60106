using System.Reflection;
using Aiprod.Application.Common;
using Aiprod.Domain.Common;

namespace Aiprod.Architecture.Tests;

/// <summary>A closed set is spelled in one place: its type. Everything else goes through the type.</summary>
public sealed class ClosedSetRuleTests
{
    private static readonly Assembly[] Ours = [typeof(Domain.Users.User).Assembly, typeof(Application.DependencyInjection).Assembly];

    [Fact]
    public void TheScopePolicyPrefix_IsSpelledOnlyByScopePolicies()
    {
        var offences = Sources("src", "bench")
            .Where(f => f.Text.Contains("\"scope:", StringComparison.Ordinal))
            .Select(f => f.Path)
            .ToList();

        Assert.Equal(["src/Aiprod.Api/Authentication/ScopePolicies.cs"], offences);
    }

    [Fact]
    public void TheNameOfAScopeOrASortOrder_IsWrittenOnlyInItsWireName()
    {
        var declared = Ours.SelectMany(a => a.GetTypes())
            .Where(t => t.IsEnum && EnumNames.DeclaresWireNames(t))
            .SelectMany(EnumNames.All)
            .Where(name => name.Contains(':', StringComparison.Ordinal) || name.Contains('_', StringComparison.Ordinal))
            .ToList();
        Assert.Contains("jobs:read", declared);
        Assert.Contains("-created_at", declared);

        var offences = Sources("src")
            .SelectMany(f => declared.Where(name => f.Text.Replace($"[WireName(\"{name}\")]", string.Empty, StringComparison.Ordinal)
                .Contains($"\"{name}\"", StringComparison.Ordinal)).Select(name => $"{f.Path}: \"{name}\""))
            .ToList();

        Assert.Empty(offences);
    }

    /// <summary>A set that names some members and not others would be read by two rules at once.</summary>
    [Fact]
    public void AnEnumThatDeclaresWireNames_DeclaresThemForEveryMember()
    {
        var partial = Ours.SelectMany(a => a.GetTypes())
            .Where(t => t.IsEnum)
            .Where(t => t.GetFields(BindingFlags.Public | BindingFlags.Static).Any(f => f.IsDefined(typeof(WireNameAttribute))) && !EnumNames.DeclaresWireNames(t))
            .Select(t => t.FullName)
            .ToList();

        Assert.Empty(partial);
    }

    private static IEnumerable<(string Path, string Text)> Sources(params string[] folders)
    {
        var root = ApiLayerTests.RepositoryRoot();
        return folders.SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/Migrations/", StringComparison.Ordinal))
            .Select(f => (f, File.ReadAllText(Path.Combine(root, f))));
    }
}
