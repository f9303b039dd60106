using Aiprod.Api.Authentication;
using Aiprod.Api.OpenApi;
using Aiprod.Application.Common;
using Aiprod.Domain.ApiKeys;
using Aiprod.Domain.Common;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.Swagger;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace Aiprod.Api.Setup;

internal static class SwaggerSetup
{
    public const string BearerScheme = "Bearer";
    public const string ApiKeyScheme = "ApiKey";

    public static IServiceCollection AddAiprodSwagger(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddOptions<OpenApiServerOptions>().BindConfiguration(OpenApiServerOptions.Section);
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "Aiprod API",
                Version = "v1",
                Description = "Control plane of the Aiprod video-production pipeline. JSON is snake_case; errors are RFC 9457 problem details.",
            });
            foreach (var assembly in new[] { typeof(Program).Assembly, typeof(Application.DependencyInjection).Assembly })
            {
                var xml = Path.Combine(AppContext.BaseDirectory, assembly.GetName().Name + ".xml");
                if (File.Exists(xml))
                {
                    o.IncludeXmlComments(xml, includeControllerXmlComments: true);
                }
            }

            o.AddSecurityDefinition(BearerScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "An access token from POST /auth/login. Paste the token only; Swagger UI adds 'Bearer '.",
            });
            o.AddSecurityDefinition(ApiKeyScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = "X-API-Key",
                Description = "An API key from POST /api-keys/create (aip_…), for the endpoints that accept keys.",
            });
            // Typed ids travel as bare GUIDs (EntityIdJsonConverter, route values through TryParse): described as GUIDs.
            foreach (var id in EntityIds.All)
            {
                o.MapType(id, () => new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" });
            }

            // Conventions first: the security filter adds its notes to the description they settle.
            o.OperationFilter<OperationConventionsFilter>();
            o.OperationFilter<SecurityAndRateLimitOperationFilter>();
            o.OperationFilter<SecurityPolicySchemaFilter>();
            o.OperationFilter<RequestExampleFilter>();
            // After the filters that add problem answers: it files its examples under the answers the operation gives.
            o.OperationFilter<ProblemExampleFilter>();
            o.OperationFilter<ResponseExampleFilter>();
            o.SchemaFilter<ValidatorSchemaFilter>();
            o.SchemaFilter<EnumDescriptionSchemaFilter>();
            o.DocumentFilter<ServersDocumentFilter>();
            o.SupportNonNullableReferenceTypes();
        });
        services.AddSingleton<CachedSwaggerProvider>();
        services.Replace(ServiceDescriptor.Singleton<ISwaggerProvider>(s => s.GetRequiredService<CachedSwaggerProvider>()));
        services.Replace(ServiceDescriptor.Singleton<IAsyncSwaggerProvider>(s => s.GetRequiredService<CachedSwaggerProvider>()));
        return services;
    }
}

/// <summary>Marks each operation with the credentials it needs and the rate limit it is under.</summary>
internal sealed class SecurityAndRateLimitOperationFilter(RateLimitOptions rateLimits) : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var anonymous = metadata.OfType<IAllowAnonymous>().Any();
        var authorize = metadata.OfType<IAuthorizeData>().ToList();
        if (authorize.Count == 0 || anonymous)
        {
            // Said explicitly, so a client (and a linter) does not read a missing requirement as "unknown".
            operation.Security = [];
        }
        else
        {
            // Each requirement is an alternative: a scope endpoint takes a token or a key, a worker endpoint a key.
            var policies = authorize.Select(a => a.Policy).Where(p => p is not null).ToList();
            var keyOnly = policies.Any(p => p is AuthenticationSetup.ApiKeyPolicy or AuthenticationSetup.WorkerPolicy);
            var keyAccepted = keyOnly || policies.Any(p => ScopePolicies.IsScopePolicy(p!));
            operation.Security ??= [];
            if (!keyOnly)
            {
                operation.Security.Add(new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference(SwaggerSetup.BearerScheme, context.Document)] = [],
                });
            }

            if (keyAccepted)
            {
                operation.Security.Add(new OpenApiSecurityRequirement
                {
                    [new OpenApiSecuritySchemeReference(SwaggerSetup.ApiKeyScheme, context.Document)] = [],
                });
            }

            var scope = policies.Select(p => ScopePolicies.ScopeOf(p!)).FirstOrDefault(s => s is not null);
            if (scope is not null || keyOnly)
            {
                var who = keyOnly
                    ? (policies.Contains(AuthenticationSetup.WorkerPolicy) ? $"an API key with the `{EnumNames.Of(ApiKeyScope.PipelineWorker)}` scope" : "an API key")
                    : $"a user's access token, or an API key with the `{EnumNames.Of(scope!.Value)}` scope";
                operation.Description = string.IsNullOrEmpty(operation.Description) ? $"**Auth:** {who}." : $"**Auth:** {who}.\n\n" + operation.Description;
            }

            OperationConventionsFilter.AddProblem(operation, context, StatusCodes.Status401Unauthorized, "No valid access token.");
            if (authorize.Any(a => a.Policy is not null || a.Roles is not null))
            {
                OperationConventionsFilter.AddProblem(operation, context, StatusCodes.Status403Forbidden, "The caller lacks the required role.");
            }
        }

        var limit = metadata.OfType<EnableRateLimitingAttribute>().LastOrDefault();
        if (limit?.PolicyName is { } policy && RateLimitPolicies.Defaults.ContainsKey(policy))
        {
            var permits = rateLimits.PermitsFor(policy);
            var note = $"**Rate limit:** {permits} requests per {rateLimits.Window.TotalSeconds:0} s per caller (policy `{policy}`); beyond it 429 with `Retry-After`.";
            operation.Description = string.IsNullOrEmpty(operation.Description) ? note : operation.Description + "\n\n" + note;
        }
    }
}
