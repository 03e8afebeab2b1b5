using System.Text.Json;
using System.Text.Json.Nodes;
using CallGrains.Domain.Pushes;

namespace CallGrains.Domain.Calls;

/// <summary>
/// An explanation under the same masking as the view it explains (<see cref="PersonalDataMasking"/>): each field's value is
/// the masked view's at the same path, and item keys have their numbers and digits masked. Sentences name no number or
/// digit, so they need none.
/// </summary>
public static class ExplanationMasking
{
    public static CallExplanation Mask(this PersonalDataMasking masking, CallExplanation explanation)
    {
        if (!masking.Any) return explanation;
        var view = masking.Mask(explanation.View);
        var json = JsonNode.Parse(JsonSerializer.Serialize(view, CallJson.View))!;
        return explanation with
        {
            View = view,
            Items = [.. explanation.Items.Select(i => i with { Key = ItemKey.Masked(i.Key, Number, Digits) })],
            Fields = [.. explanation.Fields.Select(f => f with { Value = ValueAt(json, f.Path)?.ToJsonString() ?? "null" })],
        };

        string Number(string number) => masking.Numbers ? PersonalDataMasking.Number(number) : number;
        string Digits(string digits) => masking.Digits ? PersonalDataMasking.Keyed(digits) : digits;
    }

    /// <summary>The node at a field's path, such as <c>legs[1].answeredAt</c> or <c>problems[0]</c>; null when the view has none.</summary>
    internal static JsonNode? ValueAt(JsonNode view, string path)
    {
        JsonNode? node = view;
        foreach (var part in path.Split('.'))
        {
            var bracket = part.IndexOf('[');
            var name = bracket < 0 ? part : part[..bracket];
            node = node is JsonObject fields && fields.TryGetPropertyValue(name, out var child) ? child : null;
            if (bracket >= 0)
                node = node is JsonArray items && int.TryParse(part[(bracket + 1)..^1], out var index) && index < items.Count ? items[index] : null;
        }
        return node;
    }
}
