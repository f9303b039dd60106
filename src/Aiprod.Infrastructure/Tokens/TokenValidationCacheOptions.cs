using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Aiprod.Infrastructure.Tokens;

/// <summary>Configuration section <c>Jwt:ValidationCache</c>.</summary>
public sealed class TokenValidationCacheOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>At most this many validated tokens are remembered; the least recently added go first.</summary>
    public int Capacity { get; set; } = 10_000;
}
