using System.Reflection;
using Aiprod.Api.Controllers;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Architecture.Tests;

/// <summary>Domain ← Application ← Infrastructure ← Api, and nothing references Api.</summary>
public sealed class DependencyRuleTests
{
    private static readonly Assembly Domain = typeof(Domain.Users.User).Assembly;
    private static readonly Assembly Application = typeof(Application.DependencyInjection).Assembly;
    private static readonly Assembly Infrastructure = typeof(Infrastructure.DependencyInjection).Assembly;
    private static readonly Assembly Api = typeof(Program).Assembly;

    private static string[] OurReferences(Assembly assembly) =>
        assembly.GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("Aiprod.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();

    private static string[] AllReferences(Assembly assembly) =>
        assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

    [Fact]
    public void Domain_ReferencesNothingOfOurs() => Assert.Empty(OurReferences(Domain));

    [Fact]
    public void Domain_ReferencesNoFrameworkForPersistenceOrWeb()
    {
        Assert.DoesNotContain(AllReferences(Domain), n => n.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)
            || n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal)
            || n.StartsWith("Mediator", StringComparison.Ordinal));
    }

    [Fact]
    public void Application_ReferencesDomainOnly() => Assert.Equal(["Aiprod.Domain"], OurReferences(Application));

    [Fact]
    public void Application_DoesNotKnowEfCoreOrAspNetCore()
    {
        Assert.DoesNotContain(AllReferences(Application), n => n.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal)
            || n.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Fact]
    public void Infrastructure_DoesNotReferenceApi() => Assert.DoesNotContain("Aiprod.Api", OurReferences(Infrastructure));

    [Fact]
    public void NothingReferencesApi()
    {
        foreach (var assembly in new[] { Domain, Application, Infrastructure })
        {
            Assert.DoesNotContain("Aiprod.Api", OurReferences(assembly));
        }
    }

    [Fact]
    public void Controllers_DoNotTouchTheDbContext()
    {
        var controllers = Api.GetTypes().Where(t => t.IsSubclassOf(typeof(ApiControllerBase)) && !t.IsAbstract).ToList();
        Assert.NotEmpty(controllers);
        foreach (var controller in controllers)
        {
            var dependencies = controller.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.ParameterType)
                .Concat(controller.GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public).Select(f => f.FieldType))
                .Concat(controller.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly)
                    .SelectMany(m => m.GetParameters()).Select(p => p.ParameterType));
            Assert.DoesNotContain(dependencies, t => typeof(DbContext).IsAssignableFrom(t));
        }
    }

    [Fact]
    public void DomainEntities_HaveNoPublicSetters()
    {
        var setters = Domain.GetTypes()
            .Where(t => t.IsClass && t.Namespace?.StartsWith("Aiprod.Domain", StringComparison.Ordinal) == true)
            .SelectMany(t => t.GetProperties(BindingFlags.Instance | BindingFlags.Public))
            .Where(p => p.SetMethod is { IsPublic: true } && !IsInitOnly(p))
            .Select(p => $"{p.DeclaringType!.Name}.{p.Name}")
            .ToList();
        Assert.Empty(setters);
    }

    private static bool IsInitOnly(PropertyInfo property) =>
        property.SetMethod!.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.FullName == "System.Runtime.CompilerServices.IsExternalInit");
}
