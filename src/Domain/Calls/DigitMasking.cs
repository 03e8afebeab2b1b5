using System.Text.Json.Nodes;

namespace CallGrains.Domain.Calls;

/// <summary>
/// Collected digits can be a PIN, an account number or a verification code. With "CallGrains:MaskDigits"
/// the API shows each digit as '*' (the count stays visible) in views and in the journal's events; the
/// journal itself keeps them, because it is the record the views are re-derived from.
/// </summary>
public sealed class DigitMasking(bool enabled)
{
    private const string DigitInfo = "digitInfo";

    public bool Enabled => enabled;

    public CallView Mask(CallView view) => !enabled
        ? view
        : view with
        {
            Digits = [.. view.Digits.Select(Stars)],
            Cdr = view.Cdr is { DynIvrPath: { } path } cdr ? cdr with { DynIvrPath = Stars(path) } : view.Cdr,
        };

    /// <summary>The stored item with its digits masked; byte for byte as received when masking is off or there are none.</summary>
    public string MaskEventBody(string body)
    {
        if (!enabled || !body.Contains(DigitInfo, StringComparison.Ordinal)) return body;
        try
        {
            var node = JsonNode.Parse(body);
            if (node?["statusInfo"] is JsonObject info && info[DigitInfo] is JsonValue digits && digits.TryGetValue<string>(out var text))
            {
                info[DigitInfo] = Stars(text);
                return node.ToJsonString();
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not parseable here, so nothing can be masked reliably: hide the whole item rather than leak it.
            return "null";
        }
        return body;
    }

    // Separators of an IVR path ("1-2") stay; only the digits go.
    private static string Stars(string digits) => new([.. digits.Select(c => char.IsAsciiDigit(c) || c is '*' or '#' ? '*' : c)]);
}
