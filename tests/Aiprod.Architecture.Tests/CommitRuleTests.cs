using System.Reflection;
using Aiprod.Application.Abstractions;
using Aiprod.Application.Common.Behaviours;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Aiprod.Architecture.Tests;

/// <summary>One place commits: the commit behaviour. No handler saves, nor holds the unit of work.</summary>
public sealed class CommitRuleTests
{
    private static readonly Assembly Application = typeof(Application.DependencyInjection).Assembly;

    private static readonly Type[] Handlers = Application.GetTypes()
        .Where(t => t.GetInterfaces().Any(i => i.IsGenericType && (i.GetGenericTypeDefinition() == typeof(ICommandHandler<,>) || i.GetGenericTypeDefinition() == typeof(IQueryHandler<,>))))
        .ToArray();

    [Fact]
    public void Application_HasHandlersToCheck() => Assert.True(Handlers.Length >= 30, $"found {Handlers.Length} handlers");

    [Fact]
    public void NoApplicationType_ButTheCommitBehaviour_DependsOnTheUnitOfWork()
    {
        var offenders = Application.GetTypes()
            .Where(t => !IsCommitBehaviour(t))
            .Where(t => t.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance).SelectMany(c => c.GetParameters()).Any(p => p.ParameterType == typeof(IUnitOfWork))
                || t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static).Any(f => f.FieldType == typeof(IUnitOfWork)))
            .Select(t => t.FullName)
            .ToList();

        Assert.Empty(offenders);
    }

    [Fact]
    public void NoHandler_CallsSaveChanges()
    {
        var offenders = Handlers.Concat(Application.GetTypes().Where(t => !IsCommitBehaviour(t)))
            .Distinct()
            .Where(CallsSaveChanges)
            .Select(t => t.FullName)
            .ToList();

        Assert.Empty(offenders);
    }

    [Fact]
    public void TheCheck_FindsTheCommitBehavioursOwnCall() => Assert.True(CallsSaveChanges(typeof(CommitBehaviour<,>)));

    private static bool IsCommitBehaviour(Type type) =>
        type == typeof(CommitBehaviour<,>) || (type.DeclaringType is { } outer && IsCommitBehaviour(outer));

    /// <summary>Looks through the IL of the type, its nested types (async state machines, lambdas) included.</summary>
    private static bool CallsSaveChanges(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var methods = type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all));
        foreach (var method in methods)
        {
            var il = method.GetMethodBody()?.GetILAsByteArray();
            if (il is null)
            {
                continue;
            }

            for (var i = 0; i + 4 < il.Length; i++)
            {
                // call, callvirt, ldftn: the opcode and a 4-byte method token.
                if (il[i] is not (0x28 or 0x6F) && !(il[i] == 0xFE && il[i + 1] == 0x06))
                {
                    continue;
                }

                var at = il[i] == 0xFE ? i + 2 : i + 1;
                if (at + 4 > il.Length)
                {
                    continue;
                }

                var token = BitConverter.ToInt32(il, at);
                MethodBase? called;
                try
                {
                    called = method.Module.ResolveMethod(token, type.IsGenericType ? type.GetGenericArguments() : null, method.IsGenericMethod ? method.GetGenericArguments() : null);
                }
                catch (Exception ex) when (ex is ArgumentException or BadImageFormatException)
                {
                    continue;
                }

                if (called is { Name: "SaveChangesAsync" or "SaveChanges" }
                    && (called.DeclaringType == typeof(IUnitOfWork) || typeof(DbContext).IsAssignableFrom(called.DeclaringType)))
                {
                    return true;
                }
            }
        }

        return type.GetNestedTypes(BindingFlags.Public | BindingFlags.NonPublic).Any(CallsSaveChanges);
    }
}
