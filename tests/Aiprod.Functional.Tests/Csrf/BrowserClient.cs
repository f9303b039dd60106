using System.Net.Http.Json;
using Aiprod.Functional.Tests.Infrastructure;
using System.Text.Json.Nodes;
using Microsoft.Net.Http.Headers;

namespace Aiprod.Functional.Tests.Csrf;

/// <summary>
/// What a browser does with our cookies, spelled out: keeps what Set-Cookie sets (and drops what it expires), sends
/// them back in Cookie, and adds the headers a test chooses (X-CSRF-Token, Sec-Fetch-Site, Origin). Cookies are parsed
/// from the raw Set-Cookie headers so the tests can assert their attributes.
/// </summary>
public sealed class BrowserClient(HttpClient http)
{
    public const string RefreshCookie = "__Host-aiprod-refresh";
    public const string CsrfCookie = "__Host-aiprod-csrf";

    public Dictionary<string, string> Jar { get; } = new(StringComparer.Ordinal);

    public HttpClient Http => http;

    /// <summary>The Set-Cookie headers of the last answer, by cookie name.</summary>
    public Dictionary<string, SetCookieHeaderValue> LastSetCookies { get; } = new(StringComparer.Ordinal);

    public string? Refresh => Jar.GetValueOrDefault(RefreshCookie);

    public string? CsrfFromCookie => Jar.GetValueOrDefault(CsrfCookie);

    public BrowserClient Fork()
    {
        var copy = new BrowserClient(http);
        foreach (var (name, value) in Jar)
        {
            copy.Jar[name] = value;
        }

        return copy;
    }

    public async Task<HttpResponseMessage> SendAsync(
        HttpMethod method,
        string url,
        object? body = null,
        string? csrf = null,
        string? fetchSite = "same-origin",
        string? origin = null,
        string? bearer = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        if (Jar.Count > 0)
        {
            request.Headers.Add("Cookie", string.Join("; ", Jar.Select(c => $"{c.Key}={c.Value}")));
        }

        if (csrf is not null)
        {
            request.Headers.Add("X-CSRF-Token", csrf);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        var response = await http.SendAsync(request);
        Take(response);
        return response;
    }

    public void Take(HttpResponseMessage response)
    {
        LastSetCookies.Clear();
        if (!response.Headers.TryGetValues("Set-Cookie", out var values))
        {
            return;
        }

        foreach (var cookie in SetCookieHeaderValue.ParseList(values.ToList()))
        {
            var name = cookie.Name.ToString();
            LastSetCookies[name] = cookie;
            var expired = cookie.MaxAge is { } maxAge && maxAge <= TimeSpan.Zero
                || cookie.Expires is { } expires && expires < DateTimeOffset.UtcNow;
            if (expired || cookie.Value.Length == 0)
            {
                Jar.Remove(name);
            }
            else
            {
                Jar[name] = cookie.Value.ToString();
            }
        }
    }

    public async Task<JsonObject> LoginAsync(string email, string delivery = "cookie")
    {
        var response = await SendAsync(HttpMethod.Post, "/auth/login",
            new { email, password = Infrastructure.ApiClientExtensions.DefaultPassword, refresh_token_delivery = delivery });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.ReadJsonAsync();
    }

    public async Task<string> CsrfTokenAsync()
    {
        var response = await SendAsync(HttpMethod.Get, "/security/csrf-token");
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.ReadJsonAsync())["csrf_token"]!.GetValue<string>();
    }

    public Task<HttpResponseMessage> RefreshAsync(string? csrf, string? fetchSite = "same-origin", string? origin = null) =>
        SendAsync(HttpMethod.Post, "/auth/refresh", new { }, csrf, fetchSite, origin);

    public Task<HttpResponseMessage> LogoutAsync(string? csrf, string? fetchSite = "same-origin") =>
        SendAsync(HttpMethod.Post, "/auth/logout", new { }, csrf, fetchSite);
}
