using System.Text.RegularExpressions;
using Mono.Cecil;

namespace Aiprod.Architecture.Tests;

/// <summary>
/// The Api layer talks to Application ports, never to Infrastructure types. Allowed to name Infrastructure: the
/// composition root only, that is the top-level <c>Program</c> (its statements and local functions) and the static
/// registration classes in the <c>Aiprod.Api.Setup</c> namespace (<c>AddInfrastructure</c>, options, the JWT
/// bearer configuration). Every other type of the Api assembly, its lambdas, iterators and async state machines
/// included, must not use an Infrastructure type in a signature, a field, a base type, an attribute or a method body.
/// </summary>
public sealed class ApiLayerTests
{
    private const string InfrastructureAssembly = "Aiprod.Infrastructure";

    [Fact]
    public void ApiTypes_OutsideTheCompositionRoot_UseNoInfrastructureType()
    {
        var offences = InfrastructureUses(typeof(Program).Assembly.Location);

        Assert.Empty(offences);
    }

    /// <summary>
    /// Constants (a claim name, say) are copied into the code that uses them and leave no reference in the assembly:
    /// the sources must not name the Infrastructure namespace either, outside Program.cs and Setup/.
    /// </summary>
    [Fact]
    public void ApiSources_OutsideTheCompositionRoot_DoNotNameInfrastructure()
    {
        var api = Path.Combine(RepositoryRoot(), "src", "Aiprod.Api");
        var offences = Directory.EnumerateFiles(api, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(api, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("obj/", StringComparison.Ordinal) && !f.StartsWith("bin/", StringComparison.Ordinal))
            .Where(f => f != "Program.cs" && !f.StartsWith("Setup/", StringComparison.Ordinal))
            .Where(f => Regex.IsMatch(File.ReadAllText(Path.Combine(api, f)), @"\bAiprod\.Infrastructure\b"))
            .ToList();

        Assert.Empty(offences);
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "src", "Aiprod.Api")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (with src/Aiprod.Api) was not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Each type (outside the composition root) and the Infrastructure types it uses, one line each.</summary>
    internal static List<string> InfrastructureUses(string assemblyPath)
    {
        using var module = ModuleDefinition.ReadModule(assemblyPath);
        return module.Types
            .Where(t => !IsCompositionRoot(t))
            .SelectMany(t => Uses(t).Select(used => $"{t.FullName} uses {used}"))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static bool IsCompositionRoot(TypeDefinition type) =>
        type.FullName == "Program"
        || (type.Namespace == "Aiprod.Api.Setup" && type.IsAbstract && type.IsSealed);

    private static IEnumerable<string> Uses(TypeDefinition type)
    {
        var references = new List<TypeReference?> { type.BaseType };
        references.AddRange(type.Interfaces.Select(i => i.InterfaceType));
        references.AddRange(type.CustomAttributes.Select(a => a.AttributeType));
        references.AddRange(type.Fields.Select(f => f.FieldType));
        references.AddRange(type.Properties.Select(p => p.PropertyType));
        foreach (var method in type.Methods)
        {
            references.Add(method.ReturnType);
            references.AddRange(method.Parameters.Select(p => p.ParameterType));
            references.AddRange(method.CustomAttributes.Select(a => a.AttributeType));
            if (!method.HasBody)
            {
                continue;
            }

            references.AddRange(method.Body.Variables.Select(v => v.VariableType));
            foreach (var instruction in method.Body.Instructions)
            {
                switch (instruction.Operand)
                {
                    case TypeReference t:
                        references.Add(t);
                        break;
                    case MethodReference m:
                        references.Add(m.DeclaringType);
                        references.Add(m.ReturnType);
                        references.AddRange(m.Parameters.Select(p => p.ParameterType));
                        if (m is GenericInstanceMethod g)
                        {
                            references.AddRange(g.GenericArguments);
                        }

                        break;
                    case FieldReference f:
                        references.Add(f.DeclaringType);
                        references.Add(f.FieldType);
                        break;
                }
            }
        }

        return references.SelectMany(Flatten).Where(IsInfrastructure).Select(r => r.FullName)
            .Concat(type.NestedTypes.SelectMany(Uses));
    }

    private static IEnumerable<TypeReference> Flatten(TypeReference? reference)
    {
        switch (reference)
        {
            case null:
                yield break;
            case GenericInstanceType generic:
                yield return generic.ElementType;
                foreach (var argument in generic.GenericArguments.SelectMany(Flatten))
                {
                    yield return argument;
                }

                break;
            case TypeSpecification specification:
                foreach (var element in Flatten(specification.ElementType))
                {
                    yield return element;
                }

                break;
            default:
                yield return reference;
                break;
        }
    }

    private static bool IsInfrastructure(TypeReference reference) =>
        reference.Scope is AssemblyNameReference { Name: InfrastructureAssembly }
        || reference.Scope is ModuleDefinition { Assembly.Name.Name: InfrastructureAssembly };
}
