using System.Text.Json;
using System.Text.Json.Serialization;
using CallGrains.Api.Calls;
using CallGrains.Api.Pushes;

namespace CallGrains.Api.Hosting;

/// <summary>
/// Build-time metadata of the API's own response types: the push acknowledgement is written once per push, so it must
/// not go through the reflection resolver. Naming, enum words and times come from <c>CallJson.Configure</c> at run time.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, GenerationMode = JsonSourceGenerationMode.Metadata)]
[JsonSerializable(typeof(PushAck))]
[JsonSerializable(typeof(CallList))]
[JsonSerializable(typeof(IReadOnlyList<CallEvent>))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
