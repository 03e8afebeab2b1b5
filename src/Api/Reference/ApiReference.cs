using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using CallGrains.Domain.Calls;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace CallGrains.Api.Reference;

/// <summary>
/// The OpenAPI document at /openapi/v1.json and the interactive reference at /docs. The push endpoints read their
/// body by hand (to bound and keep it byte for byte), so their bodies are described here; raw JSON fields are
/// described as the JSON they are; the business endpoints carry the Bearer scheme.
/// </summary>
public static class ApiReference
{
    public const string DocsPath = "/docs";
    public const string BearerScheme = "Bearer";

    /// <summary>Tags whose endpoints are not behind the business key.</summary>
    private static readonly HashSet<string> OpenTags = ["Pushes", "Operations"];

    public static IServiceCollection AddCallGrainsApiReference(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                Describe(document);
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonPropertyInfo?.CustomConverter is RawJsonConverter)
                {
                    // Written as the JSON it holds (an object, exactly as received), not as a string.
                    schema.Type = null;
                    schema.Format = null;
                    schema.Description ??= "JSON, exactly as received or rendered.";
                }
                return Task.CompletedTask;
            });
        });

    public static WebApplication MapCallGrainsApiReference(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference(DocsPath, options => options
            .WithTitle("CallGrains API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .AddPreferredSecuritySchemes(BearerScheme));
        return app;
    }

    private static void Describe(OpenApiDocument document)
    {
        document.Info.Title = "CallGrains";
        document.Info.Description = "Call status and CDR pushes in; call views, business requests and a change feed out. See docs/api.md.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "One of CallGrains:ApiKeys (every tenant, every scope) or a tenant's key (only that tenant's data, " +
                "its scopes: calls:read, requests:read, requests:write, changes:read, subscriptions:manage). " +
                "Required on the business endpoints when keys are configured; a missing scope is 403.",
        };

        var samples = Samples.Load();
        foreach (var (path, item) in document.Paths)
        {
            foreach (var (_, operation) in item.Operations ?? [])
            {
                if (!(operation.Tags ?? new HashSet<OpenApiTagReference>()).Any(t => OpenTags.Contains(t.Name ?? "")))
                {
                    operation.Security ??= [];
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] });
                }
                var body = path switch
                {
                    "/v1/huawei/status" => PushBody(PushSchemas.Status(), samples.Status),
                    "/v1/huawei/fee" => PushBody(PushSchemas.Fee(), samples.Fee),
                    "/v1/huawei/events" => PushBody(new OpenApiSchema { OneOf = [PushSchemas.Status(), PushSchemas.Fee()] }, [.. samples.Status, .. samples.Fee]),
                    _ => null,
                };
                if (body is not null) operation.RequestBody = body;
            }
        }
    }

    private static OpenApiRequestBody PushBody(OpenApiSchema schema, IReadOnlyList<(string Name, JsonNode Value)> examples) => new()
    {
        Required = true,
        Description = "A push exactly as the platform sends it; every field the protocol defines is read, any other is kept.",
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["application/json"] = new()
            {
                Schema = schema,
                Examples = examples.ToDictionary(e => e.Name, e => (IOpenApiExample)new OpenApiExample { Value = e.Value }),
            },
        },
    };

    /// <summary>The pushes of a real call (tests/Samples/huawei/callback-connected.json), embedded at build time.</summary>
    private sealed record Samples(IReadOnlyList<(string Name, JsonNode Value)> Status, IReadOnlyList<(string Name, JsonNode Value)> Fee)
    {
        public static Samples Load()
        {
            using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("reference/callback-connected.json");
            if (stream is null) return new([], []);
            var pushes = JsonNode.Parse(stream)!.AsArray().Select(p => p!).ToList();
            var status = pushes.Where(p => p["statusInfo"] is not null)
                .DistinctBy(p => (string?)p["eventType"])
                .Select(p => ((string?)p["eventType"] ?? "status", p.DeepClone())).ToList();
            var fee = pushes.Where(p => p["feeLst"] is not null).Take(1).Select(p => ("fee", p.DeepClone())).ToList();
            return new(status, fee);
        }
    }
}

/// <summary>The two push bodies of the platform's protocol, as JSON Schema.</summary>
internal static class PushSchemas
{
    public static OpenApiSchema Status() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "One call-status push.",
        Required = new HashSet<string> { "eventType", "statusInfo" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["eventType"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = [.. new[] { "callout", "alerting", "answer", "collectInfo", "disconnect" }.Select(e => (JsonNode)JsonValue.Create(e))],
                Description = "Other values are kept too, and listed among the call's problems.",
            },
            ["statusInfo"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "sessionId" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["sessionId"] = Text("The platform's call id (1 to 256 characters)."),
                    ["timestamp"] = Text("UTC, 'yyyy-MM-dd HH:mm:ss'."),
                    ["caller"] = Text(null),
                    ["called"] = Text(null),
                    ["stateCode"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.String, Description = "disconnect: the hang-up cause code." },
                    ["stateDesc"] = Text(null),
                    ["digitInfo"] = Text("collectInfo: the digits collected."),
                    ["partyType"] = Text(null),
                    ["userData"] = Text("The business's own reference, as given when the call was started."),
                },
            },
        },
    };

    public static OpenApiSchema Fee() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "One CDR push: all of its items are stored, or none.",
        Required = new HashSet<string> { "eventType", "feeLst" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["eventType"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("fee")] },
            ["feeLst"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                MinItems = 1,
                MaxItems = 50,
                Items = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Description = "A CDR; the fields below are the ones CallGrains reads, every other is kept.",
                    Required = new HashSet<string> { "sessionId" },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["sessionId"] = Text(null),
                        ["callerNum"] = Text(null),
                        ["calleeNum"] = Text(null),
                        ["fwdDstNum"] = Text(null),
                        ["callOutStartTime"] = Text(null),
                        ["callOutAlertingTime"] = Text(null),
                        ["callOutAnswerTime"] = Text(null),
                        ["fwdStartTime"] = Text(null),
                        ["fwdAlertingTime"] = Text(null),
                        ["fwdAnswerTime"] = Text(null),
                        ["callEndTime"] = Text(null),
                        ["failTime"] = Text(null),
                        ["ulFailReason"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.String },
                        ["sipStatusCode"] = new OpenApiSchema { Type = JsonSchemaType.Integer | JsonSchemaType.String },
                        ["userData"] = Text(null),
                    },
                },
            },
        },
    };

    private static OpenApiSchema Text(string? description) => new() { Type = JsonSchemaType.String, Description = description };
}
