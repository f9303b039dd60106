using System.Reflection;
using Aiprod.Api.Http;
using Aiprod.Domain.Common;

namespace Aiprod.Api.OpenApi;

/// <summary>
/// An <see cref="Error"/> an action answers, named by the definition itself (<c>[Answers(typeof(JobErrors),
/// nameof(JobErrors.NotFound))]</c>; a factory method gets the <paramref name="arguments"/> its example is made with),
/// so the document's example is the problem the API writes for it: status from the error's kind, <c>type</c> from its
/// code, <c>detail</c> from its message. A problem the pipeline writes outside any handler is named the same way,
/// from <see cref="PipelineProblems"/> (<c>[Answers(typeof(PipelineProblems), nameof(…))]</c>), for an action that
/// answers it where others do not (the CSRF refusals and <c>concurrent_update</c> are derived, see
/// <see cref="ProblemExampleFilter"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class AnswersAttribute(Type definitions, string name, params object[] arguments) : Attribute
{
    public Type Definitions { get; } = definitions;

    public string Name { get; } = name;

    public IReadOnlyList<object> Arguments { get; } = arguments;

    /// <summary>
    /// The definition, read: an <see cref="Error"/> or a <see cref="PipelineProblem"/>, from a static field or property,
    /// or a static factory method.
    /// </summary>
    internal object Definition
    {
        get
        {
            const BindingFlags Static = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static;
            var value = Definitions.GetField(Name, Static)?.GetValue(null)
                ?? Definitions.GetProperty(Name, Static)?.GetValue(null)
                ?? Definitions.GetMethods(Static).FirstOrDefault(m => m.Name == Name && m.GetParameters().Length == Arguments.Count)?.Invoke(null, [.. Arguments]);
            return value is Error or PipelineProblem
                ? value
                : throw new InvalidOperationException($"{Definitions.Name}.{Name} with {Arguments.Count} argument(s) is not an Error or a PipelineProblem definition.");
        }
    }
}
