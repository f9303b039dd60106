using Aiprod.Application.Common;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>Stores an enum member as its <see cref="EnumNames">wire name</see> (<c>info</c>, <c>jobs:read</c>), the same text as in JSON.</summary>
internal sealed class EnumNameConverter<TEnum>() : ValueConverter<TEnum, string>(v => EnumNames.Of(v), v => EnumNames.Parse<TEnum>(v))
    where TEnum : struct, Enum;
