namespace Aiprod.Domain.Common;

/// <summary>
/// The typed ids this domain declares. Persistence, JSON and the API description loop over them, so a new id is
/// handled everywhere by being declared.
/// </summary>
public static class EntityIds
{
    public static IReadOnlyList<Type> All { get; } = typeof(EntityIds).Assembly.GetTypes().Where(IsEntityId).ToList();

    public static bool IsEntityId(Type type) =>
        type.IsValueType
        && type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEntityId<>) && i.GenericTypeArguments[0] == type);
}
