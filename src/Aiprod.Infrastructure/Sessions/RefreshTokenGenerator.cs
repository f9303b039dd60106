using System.Security.Cryptography;
using System.Text;
using Aiprod.Application.Abstractions;
using Microsoft.IdentityModel.Tokens;

namespace Aiprod.Infrastructure.Sessions;

internal sealed class RefreshTokenGenerator : IRefreshTokenGenerator
{
    public NewRefreshToken Generate()
    {
        // 256 bits from the OS CSPRNG; base64url is safe in URLs, headers and form bodies.
        var token = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        return new NewRefreshToken(token, Hash(token));
    }

    /// <summary>A plain SHA-256 is enough: the input has 256 bits of entropy, so there is nothing to brute-force.</summary>
    public string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
