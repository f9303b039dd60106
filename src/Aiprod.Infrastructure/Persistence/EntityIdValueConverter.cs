using Aiprod.Domain.Common;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Aiprod.Infrastructure.Persistence;

/// <summary>Stores a typed id as the GUID it wraps, so its column is the one a <see cref="Guid"/> property gets.</summary>
internal sealed class EntityIdValueConverter<TId>() : ValueConverter<TId, Guid>(id => id.Value, value => IEntityId<TId>.From(value))
    where TId : struct, IEntityId<TId>;
