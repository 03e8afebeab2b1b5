using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace CallGrains.Domain.Calls;

/// <summary>
/// The JSON shape of the contract: camelCase, enums as kebab-case words ("no-answer"),
/// times as UTC with a "Z", absent facts written as null. Shared by the API and the stored
/// projection so both say the same thing.
/// </summary>
public static class CallJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.Converters.Add(new JsonStringEnumConverter(ContractWords.NamingPolicy));
        options.Converters.Add(new UtcTimeConverter());
        return options;
    }

    /// <summary>The contract writes "2019-01-24T03:04:24Z", never an offset form.</summary>
    private sealed class UtcTimeConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            DateTimeOffset.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
    }
}
