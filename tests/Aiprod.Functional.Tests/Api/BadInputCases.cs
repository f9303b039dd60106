using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Aiprod.Functional.Tests.Api;

/// <summary>
/// One generated request. <see cref="MustRefuse"/>: the input is bad, so the answer must be a 4xx; otherwise any
/// answer below 500 will do (a non-ASCII name is a fine name).
/// </summary>
public sealed record BadInputCase(string Name, RouteSpec Route, bool MustRefuse, Func<BadInputWorld, HttpRequestMessage> Build);

/// <summary>Every route of <see cref="BadInputRoutes"/> times the mutations that apply to it.</summary>
public static class BadInputCases
{
    private const string NonAscii = "Ünïcødé ✓ 🎬 مرحبا";
    private static readonly string Huge = new('x', 100 * 1024);

    public static IReadOnlyDictionary<string, BadInputCase> All { get; } = Generate()
        .ToDictionary(c => c.Name, StringComparer.Ordinal);

    private static IEnumerable<BadInputCase> Generate()
    {
        foreach (var route in BadInputRoutes.All)
        {
            var cases = new List<BadInputCase>();
            cases.Add(new($"{route.Name} | wrong method", route, true, w => Build(w, route, method: route.Method == "PUT" ? "PATCH" : "PUT")));
            cases.AddRange(PathCases(route));
            cases.AddRange(QueryCases(route));
            cases.AddRange(HeaderCases(route));
            cases.AddRange(route.Body switch
            {
                BodyKind.Json or BodyKind.OptionalJson => JsonCases(route),
                BodyKind.Form => FormCases(route),
                _ => [],
            });
            foreach (var c in cases)
            {
                yield return c;
            }
        }
    }

    private static IEnumerable<BadInputCase> PathCases(RouteSpec route)
    {
        var placeholder = route.Path.Contains("{job}", StringComparison.Ordinal) ? "{job}" : route.Path.Contains("{id}", StringComparison.Ordinal) ? "{id}" : null;
        if (placeholder is null)
        {
            yield break;
        }

        foreach (var (label, id) in new[]
        {
            ("id not a guid", "not-a-guid"),
            ("id a number", "12345"),
            ("id almost a guid", "00000000-0000-0000-0000-00000000000g"),
            ("id empty guid", "00000000-0000-0000-0000-000000000000"),
            ("id non-ascii", "%C3%BC%E2%9C%93"),
            ("id path traversal", "..%2F..%2Fetc%2Fpasswd"),
            ("id sql", "1%27%20OR%20%271%27%3D%271"),
            ("id 4000 characters", new string('a', 4000)),
        })
        {
            yield return new($"{route.Name} | {label}", route, true, w => Build(w, route, id: id));
        }
    }

    private static IEnumerable<BadInputCase> QueryCases(RouteSpec route)
    {
        foreach (var parameter in route.Query ?? [])
        {
            foreach (var (value, mustRefuse) in parameter.Values)
            {
                yield return new($"{route.Name} | {parameter.Name}={value}", route, mustRefuse,
                    w => Build(w, route, query: $"{parameter.Name}={Uri.EscapeDataString(value)}"));
            }

            yield return new($"{route.Name} | {parameter.Name} non-ascii", route, !parameter.TakesText, w => Build(w, route, query: $"{parameter.Name}={Uri.EscapeDataString(NonAscii)}"));
            yield return new($"{route.Name} | {parameter.Name} 100 KB", route, true, w => Build(w, route, query: $"{parameter.Name}={Huge}"));
            yield return new($"{route.Name} | {parameter.Name} twice", route, false, w => Build(w, route, query: $"{parameter.Name}=1&{parameter.Name}=2"));
        }
    }

    private static IEnumerable<BadInputCase> HeaderCases(RouteSpec route)
    {
        if (route.Caller == Caller.Anonymous)
        {
            yield return new($"{route.Name} | junk credentials on an open route", route, false, w => Build(w, route, credentials: r =>
            {
                r.Headers.TryAddWithoutValidation("Authorization", "Bearer " + NonAscii);
                r.Headers.TryAddWithoutValidation("X-API-Key", NonAscii);
            }));
            yield return new($"{route.Name} | 100 KB non-ascii user agent", route, false, w => Build(w, route, credentials: r =>
                r.Headers.TryAddWithoutValidation("User-Agent", NonAscii + Huge)));
            yield break;
        }

        yield return new($"{route.Name} | no credentials", route, true, w => Build(w, route, credentials: _ => { }));
        if (route.WrongCaller is { } wrong)
        {
            yield return new($"{route.Name} | wrong kind of caller ({wrong})", route, true, w => Build(w, route, credentials: r => w.Authenticate(r, wrong)));
        }

        if (route.Caller is Caller.JobsKey or Caller.WorkerKey)
        {
            foreach (var (label, values) in new (string, Func<BadInputWorld, string[]>)[]
            {
                ("key non-ascii", _ => ["aip_" + NonAscii]),
                ("key duplicated", w => [w.CredentialOf(route.Caller), w.CredentialOf(route.Caller)]),
                ("key duplicated after a bogus one", w => ["aip_bogus", w.CredentialOf(route.Caller)]),
                ("key 100 KB", _ => ["aip_" + Huge]),
                ("key with a bad checksum", w => [w.CredentialOf(route.Caller)[..^1] + (w.CredentialOf(route.Caller)[^1] == 'A' ? "B" : "A")]),
                ("key empty", _ => [string.Empty]),
            })
            {
                yield return new($"{route.Name} | {label}", route, true, w => Build(w, route, credentials: r => r.Headers.TryAddWithoutValidation("X-API-Key", values(w))));
            }
        }
        else
        {
            foreach (var (label, values) in new (string, Func<BadInputWorld, string[]>)[]
            {
                ("bearer non-ascii", _ => ["Bearer " + NonAscii]),
                ("bearer duplicated", w => ["Bearer " + w.CredentialOf(route.Caller), "Bearer " + w.CredentialOf(route.Caller)]),
                ("bearer 100 KB", _ => ["Bearer " + Huge[..33_000] + "." + Huge[..33_000] + "." + Huge[..33_000]]),
                ("bearer malformed", _ => ["Bearer not.a.jwt"]),
                ("bearer alg none", _ => ["Bearer " + UnsignedToken()]),
                ("bearer tampered", w => ["Bearer " + Tamper(w.CredentialOf(route.Caller))]),
                ("basic scheme", _ => ["Basic dXNlcjpwYXNzd29yZA=="]),
                ("bearer without token", _ => ["Bearer"]),
            })
            {
                yield return new($"{route.Name} | {label}", route, true, w => Build(w, route, credentials: r => r.Headers.TryAddWithoutValidation("Authorization", values(w))));
            }
        }

        if (route.Path == "/auth/token-info")
        {
            foreach (var (label, values) in new (string, string[])[]
            {
                ("refresh header missing", []),
                ("refresh header non-ascii", [NonAscii]),
                ("refresh header 100 KB", [Huge]),
                ("refresh header duplicated", [BadInputWorld.UnknownToken, BadInputWorld.UnknownToken]),
            })
            {
                yield return new($"{route.Name} | {label}", route, true, w => Build(w, route, credentials: r =>
                {
                    w.Authenticate(r, route.Caller);
                    if (values.Length > 0)
                    {
                        r.Headers.TryAddWithoutValidation("X-Refresh-Token", values);
                    }
                }));
            }
        }
        else if (route.Path == "/ws/job/{job}")
        {
            yield return new($"{route.Name} | token in the url, not a websocket", route, true, w => Build(w, route, query: "access_token=" + w.TokenOf(Caller.Owner), credentials: _ => { }));
        }
    }

    private static IEnumerable<BadInputCase> JsonCases(RouteSpec route)
    {
        var optional = route.Body == BodyKind.OptionalJson;
        var anyRequired = route.FieldList.Any(f => f.Required);
        string Valid(BadInputWorld w) => route.ValidBody!(w).ToJsonString();
        var firstText = route.FieldList.FirstOrDefault(f => f.Kind == FieldKind.Text)?.Name;

        BadInputCase Raw(string label, bool mustRefuse, Func<BadInputWorld, string> body, string contentType = "application/json") =>
            new($"{route.Name} | {label}", route, mustRefuse, w => Build(w, route, content: Text(body(w), contentType)));

        yield return Raw("malformed json", true, w => Valid(w)[..^1]);
        yield return Raw("empty body", !optional, _ => string.Empty);
        yield return Raw("json null", !optional, _ => "null");
        yield return Raw("json array", true, _ => "[]");
        yield return Raw("json string", true, _ => "\"text\"");
        yield return Raw("json number beyond double", true, _ => "1e400");
        yield return Raw("empty object", anyRequired, _ => "{}");
        yield return Raw("5000 nested arrays", true, _ => "{\"deep\":" + new string('[', 5000) + new string(']', 5000) + "}");
        yield return Raw("200 nested objects", true, w => Valid(w)[..^1] + ",\"deep\":" + Nested(200) + "}");
        yield return Raw("trailing comma", true, w => Valid(w)[..^1] + ",}");
        yield return Raw("comment", true, w => "/* a comment */" + Valid(w));
        yield return Raw("single quotes", true, w => Valid(w).Replace('"', '\''));
        yield return Raw("unknown property", false, w => Valid(w)[..^1] + ",\"unknown\":{\"x\":[1,2,3]}}");
        yield return Raw("duplicated property", true, w => "{" + Valid(w)[1..^1] + "," + Valid(w)[1..^1] + "}");
        yield return Raw("plain text content type", true, Valid, "text/plain");
        yield return Raw("xml content type", true, _ => "<xml/>", "application/xml");
        yield return Raw("unknown charset", false, Valid, "application/json; charset=klingon");
        yield return new($"{route.Name} | no content type", route, true, w => Build(w, route, content: new ByteArrayContent(Encoding.UTF8.GetBytes(Valid(w)))));
        yield return new($"{route.Name} | utf-16 body", route, false, w => Build(w, route, content: new StringContent(Valid(w), Encoding.Unicode, "application/json")));
        yield return new($"{route.Name} | content type duplicated", route, false, w =>
        {
            var content = Text(Valid(w), "application/json");
            content.Headers.TryAddWithoutValidation("Content-Type", "text/plain");
            return Build(w, route, content: content);
        });
        if (firstText is not null)
        {
            yield return new($"{route.Name} | invalid utf-8 in {firstText}", route, true, w =>
            {
                var body = route.ValidBody!(w);
                body[firstText] = "@@MARK@@";
                var text = Encoding.UTF8.GetBytes(body.ToJsonString());
                var marker = Encoding.UTF8.GetBytes("@@MARK@@");
                var at = text.AsSpan().IndexOf(marker);
                var bytes = text[..at].Concat(new byte[] { 0xFF, 0xFE, 0xC3 }).Concat(text[(at + marker.Length)..]).ToArray();
                var content = new ByteArrayContent(bytes);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                return Build(w, route, content: content);
            });
            yield return Raw($"lone surrogate in {firstText}", true, w => Replace(route.ValidBody!(w), firstText, "\"\\ud800\""));
        }

        foreach (var field in route.FieldList)
        {
            foreach (var (label, value, mustRefuse) in FieldValues(field))
            {
                yield return Raw($"{field.Name} {label}", mustRefuse, w => value is null ? Remove(route.ValidBody!(w), field.Name) : Replace(route.ValidBody!(w), field.Name, value));
            }
        }
    }

    /// <summary>Values for one field: a label, the raw JSON (null: leave the field out), and whether the value must be refused.</summary>
    private static IEnumerable<(string Label, string? Json, bool MustRefuse)> FieldValues(FieldSpec field)
    {
        yield return ("missing", null, field.Required);
        yield return ("null", "null", field.Required);
        switch (field.Kind)
        {
            case FieldKind.Text:
                yield return ("a number", "42", true);
                yield return ("a boolean", "true", true);
                yield return ("an object", "{\"a\":1}", true);
                yield return ("an array", "[\"a\"]", true);
                yield return ("100 KB", Quote(Huge), true);
                yield return ("empty", "\"\"", field.Required);
                yield return ("non-ascii", Quote(NonAscii), false);
                yield return ("control characters", "\"\\u0000\\u001f\\u007f\"", false);
                break;
            case FieldKind.WholeNumber or FieldKind.LongNumber:
                yield return ("a string", "\"12\"", true);
                yield return ("a fraction", "1.5", true);
                yield return ("beyond double", "1e400", true);
                yield return ("below -double", "-1e400", true);
                yield return ("1e308", "1e308", true);
                yield return ("a boolean", "true", true);
                yield return ("an object", "{}", true);
                yield return ("an array", "[1]", true);
                yield return ("negative", "-1", true);
                if (field.Kind == FieldKind.WholeNumber)
                {
                    yield return ("int overflow", "2147483648", true);
                    yield return ("int underflow", "-2147483649", true);
                    yield return ("int max", "2147483647", field.Bounded);
                }
                else
                {
                    yield return ("long overflow", "9223372036854775808", true);
                    yield return ("long max", "9223372036854775807", field.Bounded);
                }

                break;
            case FieldKind.Bool:
                yield return ("a string", "\"true\"", true);
                yield return ("a number", "1", true);
                yield return ("an object", "{}", true);
                break;
            case FieldKind.Enum:
                yield return ("unknown", "\"nope\"", true);
                yield return ("a number in range", "0", true);
                yield return ("a number out of range", "5", true);
                yield return ("negative number", "-1", true);
                yield return ("empty", "\"\"", true);
                yield return ("a numeric string", "\"5\"", true);
                yield return ("100 KB", Quote(Huge), true);
                yield return ("an object", "{}", true);
                break;
            case FieldKind.TextList:
                yield return ("a string", "\"jobs:read\"", true);
                yield return ("with a null", "[\"jobs:read\",null]", true);
                yield return ("with a number", "[1]", true);
                yield return ("empty", "[]", true);
                yield return ("unknown item", "[\"root\"]", true);
                yield return ("100 KB item", "[" + Quote(Huge) + "]", true);
                yield return ("nested", "[[\"jobs:read\"]]", true);
                yield return ("non-ascii item", "[" + Quote(NonAscii) + "]", true);
                break;
            case FieldKind.LogLines:
                yield return ("with a null", "[null]", true);
                yield return ("with a null after a line", "[{\"level\":\"info\",\"message\":\"ok\"},null]", true);
                yield return ("with an empty object", "[{}]", true);
                yield return ("without message", "[{\"level\":\"info\"}]", true);
                yield return ("message null", "[{\"level\":\"info\",\"message\":null}]", true);
                yield return ("unknown level", "[{\"level\":\"nope\",\"message\":\"x\"}]", true);
                yield return ("level a number", "[{\"level\":1,\"message\":\"x\"}]", true);
                yield return ("a string", "\"text\"", true);
                yield return ("an object", "{\"level\":\"info\",\"message\":\"x\"}", true);
                yield return ("empty", "[]", true);
                yield return ("101 lines", "[" + string.Join(',', Enumerable.Repeat("{\"level\":\"info\",\"message\":\"x\"}", 101)) + "]", true);
                yield return ("100 KB message", "[{\"level\":\"info\",\"message\":" + Quote(Huge) + "}]", true);
                yield return ("nested arrays", "[[]]", true);
                yield return ("non-ascii message", "[{\"level\":\"info\",\"message\":" + Quote(NonAscii) + "}]", false);
                break;
            case FieldKind.AnyJson:
                yield return ("a string", "\"text\"", true);
                yield return ("a number", "42", true);
                yield return ("beyond double", "1e400", true);
                yield return ("a number beyond double inside", "{\"frames\":1e400,\"n\":-1e400}", false);
                yield return ("a lone surrogate inside", "{\"name\":\"\\ud800\"}", true);
                yield return ("60 levels deep", Nested(60), false);
                yield return ("100 levels deep", Nested(100), true);
                yield return ("300 KB", "{\"blob\":" + Quote(new string('y', 300 * 1024)) + "}", true);
                yield return ("an empty array", "[]", false);
                yield return ("non-ascii keys", "{" + Quote(NonAscii) + ":" + Quote(NonAscii) + "}", false);
                break;
            case FieldKind.Uuid:
                yield return ("not a uuid", "\"nope\"", true);
                yield return ("empty", "\"\"", true);
                yield return ("a uuid cut short", "\"0f8d7c3a-5b2e-4e61-9a4d\"", true);
                yield return ("a number", "42", true);
                yield return ("an object", "{}", true);
                yield return ("100 KB", Quote(Huge), true);
                // A well-formed id that is not the job's claim: refused as claim_superseded (409), never a 500.
                yield return ("another claim's", "\"0f8d7c3a-5b2e-4e61-9a4d-2c7b1e9f6a10\"", true);
                break;
        }
    }

    private static IEnumerable<BadInputCase> FormCases(RouteSpec route)
    {
        var tokenEndpoint = route.Path == "/connect/token";
        IEnumerable<KeyValuePair<string, string>> Valid(BadInputWorld w) =>
            route.ValidBody!(w).Select(p => new KeyValuePair<string, string>(p.Key, p.Value!.GetValue<string>()));

        BadInputCase Form(string label, bool mustRefuse, Func<BadInputWorld, IEnumerable<KeyValuePair<string, string>>> fields) =>
            new($"{route.Name} | {label}", route, mustRefuse, w => Build(w, route, content: new FormUrlEncodedContent(fields(w))));

        BadInputCase Raw(string label, bool mustRefuse, Func<BadInputWorld, byte[]> body, string? contentType) =>
            new($"{route.Name} | {label}", route, mustRefuse, w =>
            {
                var content = new ByteArrayContent(body(w));
                if (contentType is not null)
                {
                    content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                }

                return Build(w, route, content: content);
            });

        foreach (var field in route.FieldList)
        {
            yield return Form($"{field.Name} missing", field.Required, w => Valid(w).Where(p => p.Key != field.Name));
            yield return Form($"{field.Name} empty", field.Required, w => Valid(w).Select(p => p.Key == field.Name ? new(p.Key, string.Empty) : p));
            yield return Form($"{field.Name} 100 KB", tokenEndpoint, w => Valid(w).Select(p => p.Key == field.Name ? new(p.Key, Huge) : p));
            yield return Form($"{field.Name} non-ascii", tokenEndpoint, w => Valid(w).Select(p => p.Key == field.Name ? new(p.Key, NonAscii) : p));
            yield return Form($"{field.Name} twice", tokenEndpoint, w => Valid(w).Concat([new(field.Name, "second")]));
        }

        yield return Raw("empty body", true, _ => [], "application/x-www-form-urlencoded");
        yield return Raw("malformed percent encoding", tokenEndpoint, w => Encoding.ASCII.GetBytes(FormText(Valid(w)) + "&x=%zz%"), "application/x-www-form-urlencoded");
        yield return Raw("invalid utf-8", tokenEndpoint, w => [.. Encoding.ASCII.GetBytes(FormText(Valid(w)) + "&x="), 0xFF, 0xFE], "application/x-www-form-urlencoded");
        yield return Raw("json instead of a form", true, w => Encoding.UTF8.GetBytes(route.ValidBody!(w).ToJsonString()), "application/json");
        yield return Raw("no content type", true, w => Encoding.ASCII.GetBytes(FormText(Valid(w))), null);
        yield return Raw("garbage content type", true, w => Encoding.ASCII.GetBytes(FormText(Valid(w))), "this is not a media type");
        yield return new($"{route.Name} | multipart instead of a form", route, true, w =>
        {
            var content = new MultipartFormDataContent();
            foreach (var (key, value) in Valid(w))
            {
                content.Add(new StringContent(value), key);
            }

            return Build(w, route, content: content);
        });
    }

    /// <summary>A request for the route as its caller sends it, with one thing changed.</summary>
    private static HttpRequestMessage Build(
        BadInputWorld w,
        RouteSpec route,
        string? method = null,
        string? id = null,
        string? query = null,
        HttpContent? content = null,
        Action<HttpRequestMessage>? credentials = null)
    {
        var path = route.Path
            .Replace("{job}", id ?? w.RunningJobId.ToString(), StringComparison.Ordinal)
            .Replace("{id}", id ?? Guid.NewGuid().ToString(), StringComparison.Ordinal);
        var request = new HttpRequestMessage(new HttpMethod(method ?? route.Method), path + (query is null ? string.Empty : "?" + query));
        if (credentials is null)
        {
            w.Authenticate(request, route.Caller);
            if (route.Path == "/auth/token-info")
            {
                request.Headers.Add("X-Refresh-Token", BadInputWorld.UnknownToken);
            }
        }
        else
        {
            credentials(request);
        }

        request.Content = content ?? route.Body switch
        {
            BodyKind.Json or BodyKind.OptionalJson => Text(route.ValidBody!(w).ToJsonString(), "application/json"),
            BodyKind.Form => new FormUrlEncodedContent(route.ValidBody!(w).Select(p => new KeyValuePair<string, string>(p.Key, p.Value!.GetValue<string>()))),
            _ => null,
        };
        return request;
    }

    private static StringContent Text(string body, string contentType)
    {
        var content = new StringContent(body, Encoding.UTF8);
        content.Headers.Remove("Content-Type");
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return content;
    }

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    private static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    private static string FormText(IEnumerable<KeyValuePair<string, string>> fields) =>
        string.Join('&', fields.Select(p => Uri.EscapeDataString(p.Key) + "=" + Uri.EscapeDataString(p.Value)));

    /// <summary>The valid body with one field replaced by raw JSON.</summary>
    private static string Replace(JsonObject body, string field, string rawJson)
    {
        body[field] = "@@FIELD@@";
        return body.ToJsonString().Replace("\"@@FIELD@@\"", rawJson, StringComparison.Ordinal);
    }

    private static string Remove(JsonObject body, string field)
    {
        body.Remove(field);
        return body.ToJsonString();
    }

    /// <summary>A token that names no algorithm and carries no signature.</summary>
    private static string UnsignedToken()
    {
        static string B64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return B64("{\"alg\":\"none\",\"typ\":\"at+jwt\"}") + "." + B64("{\"sub\":\"00000000-0000-0000-0000-000000000001\",\"role\":\"admin\",\"exp\":4102444800}") + ".";
    }

    /// <summary>The token with one character of its payload changed: the signature no longer matches.</summary>
    private static string Tamper(string token)
    {
        var dot = token.IndexOf('.', StringComparison.Ordinal) + 5;
        return token[..dot] + (token[dot] == 'A' ? 'B' : 'A') + token[(dot + 1)..];
    }
}
