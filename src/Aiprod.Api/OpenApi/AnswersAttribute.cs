using System.Reflection;
using Aiprod.Domain.Common;

namespace Aiprod.Api.OpenApi;

/// <summary>
/// An <see cref="Error"/> an action answers, named by the definition itself (<c>[Answers(typeof(JobErrors),
/// nameof(JobErrors.NotFound))]</c>; a factory method gets the <paramref name="arguments"/> its example is made with),
/// so the document's example is the problem the API writes for it: status from the error's kind, <c>type</c> from its
/// code, <c>detail</c> from its message.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class AnswersAttribute(Type definitions, string name, params object[] arguments) : Attribute
{
    public Type Definitions { get; } = definitions;

    public string Name { get; } = name;

    public IReadOnlyList<object> Arguments { get; } = arguments;

    /// <summary>The error, read from its definition: a static field or property, or a static factory method.</summary>
    public Error Error
    {
        get
        {
            const BindingFlags Static = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static;
            var value = Definitions.GetField(Name, Static)?.GetValue(null)
                ?? Definitions.GetProperty(Name, Static)?.GetValue(null)
                ?? Definitions.GetMethods(Static).FirstOrDefault(m => m.Name == Name && m.GetParameters().Length == Arguments.Count)?.Invoke(null, [.. Arguments]);
            return value as Error
                ?? throw new InvalidOperationException($"{Definitions.Name}.{Name} with {Arguments.Count} argument(s) is not an Error definition.");
        }
    }
}
