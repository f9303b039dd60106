using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace Aiprod.Api.OpenApi;

/// <summary>
/// The types an action creates (<c>newobj</c>), read from its IL: its own body, its async state machine, its lambdas
/// and every method of this assembly it calls, to any depth. The messages an action sends are among them
/// (<c>Sender.Send(new CancelJobCommand(…))</c>), so the document can say what those messages may answer without a
/// second list beside the controllers.
/// </summary>
internal static class ConstructedTypes
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    public static IReadOnlySet<Type> By(MethodInfo action) =>
        Referenced(action).Where(r => r.OpCode == OpCodes.Newobj && r.Method.DeclaringType is not null).Select(r => r.Method.DeclaringType!).ToHashSet();

    /// <summary>
    /// The methods an action calls (or creates a delegate of), read the same way: its own body, its async state machine,
    /// its lambdas and every method of this assembly it calls, to any depth.
    /// </summary>
    public static IReadOnlySet<MethodBase> Called(MethodInfo action) => Referenced(action).Select(r => r.Method).ToHashSet();

    private static IEnumerable<(OpCode OpCode, MethodBase Method)> Referenced(MethodInfo action)
    {
        var visited = new HashSet<MethodBase>();
        var pending = new Stack<MethodBase>();
        pending.Push(action);
        while (pending.TryPop(out var method))
        {
            method = Definition(method);
            if (!visited.Add(method))
            {
                continue;
            }

            if (method.GetCustomAttribute<StateMachineAttribute>() is { } stateMachine
                && stateMachine.StateMachineType.GetMethod("MoveNext", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public) is { } moveNext)
            {
                pending.Push(moveNext);
            }

            foreach (var (opCode, called) in MethodsReferenced(method))
            {
                yield return (opCode, called);
                if (called.Module.Assembly == typeof(ConstructedTypes).Assembly)
                {
                    pending.Push(called);
                }
            }
        }
    }

    /// <summary>The methods and constructors a body calls, creates or takes a delegate of, with the instruction that names each.</summary>
    private static IEnumerable<(OpCode OpCode, MethodBase Method)> MethodsReferenced(MethodBase method)
    {
        if (method.GetMethodBody()?.GetILAsByteArray() is not { } il)
        {
            yield break;
        }

        var typeArguments = method.DeclaringType is { IsGenericType: true } declaring ? declaring.GetGenericArguments() : null;
        var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var at = 0;
        while (at < il.Length)
        {
            var value = il[at] == 0xFE ? unchecked((short)(0xFE00 | il[at + 1])) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            var opCode = OpCodesByValue[value];
            if (opCode.OperandType == OperandType.InlineMethod)
            {
                var token = BitConverter.ToInt32(il, at);
                yield return (opCode, method.Module.ResolveMethod(token, typeArguments, methodArguments)!);
            }

            at += OperandSize(opCode.OperandType, il, at);
        }
    }

    private static int OperandSize(OperandType operand, byte[] il, int at) => operand switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };

    /// <summary>A generic method or a member of a generic type is read in its definition, whose IL is the one there is.</summary>
    private static MethodBase Definition(MethodBase method)
    {
        if (method is MethodInfo { IsGenericMethod: true, IsGenericMethodDefinition: false } generic)
        {
            method = generic.GetGenericMethodDefinition();
        }

        return method.DeclaringType is { IsGenericType: true, IsGenericTypeDefinition: false } type
            ? MethodBase.GetMethodFromHandle(method.MethodHandle, type.GetGenericTypeDefinition().TypeHandle)!
            : method;
    }
}
