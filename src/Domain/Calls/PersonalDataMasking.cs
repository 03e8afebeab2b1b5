using System.Text.Json;
using System.Text.Json.Nodes;

namespace CallGrains.Domain.Calls;

/// <summary>
/// The one masking policy: what of a call is personal, and how it is shown to a reader who may not see it.
/// <list type="bullet">
/// <item><b>Phone numbers</b> (<see cref="Numbers"/>): the caller, each leg's number, the CDR's numbers (<c>bindNum</c>,
/// <c>callerNum</c>, <c>calleeNum</c>, <c>fwdDisplayNum</c>, <c>fwdDstNum</c>, unknown CDR fields named like numbers) and
/// every such field of a stored item's body. A number keeps its length, its non-digit characters and its last
/// <see cref="KeptDigits"/> digits, which is what support needs to tell two calls apart
/// (<c>+8613800001234</c> is shown as <c>+*********1234</c>); one of fewer than <see cref="ShortNumber"/> digits
/// (a short code, an extension) keeps none, since four of five digits are the number.</item>
/// <item><b>Digits</b> (<see cref="Digits"/>): what a caller keyed in (a PIN, an account number, a code), in
/// <c>digits</c>, the CDR's <c>dynIVRPath</c> and <c>digitInfo</c>: every digit, <c>*</c> and <c>#</c> becomes <c>*</c>;
/// separators stay, so the count stays visible.</item>
/// </list>
/// Field names and JSON types never change, so a masked answer has the contract's shape. The journal keeps
/// everything unmasked: it is the record views are re-derived from; masking happens on the way out.
/// </summary>
public sealed record PersonalDataMasking(bool Digits, bool Numbers)
{
    public const int KeptDigits = 4;
    public const int ShortNumber = 8;

    private const string DigitInfo = "digitInfo";
    private const string DynIvrPath = "dynIVRPath";

    /// <summary>Shows everything.</summary>
    public static PersonalDataMasking None { get; } = new(false, false);

    /// <summary>What a reader without the right to personal data sees.</summary>
    public static PersonalDataMasking Everything { get; } = new(true, true);

    public bool Any => Digits || Numbers;

    public CallView Mask(CallView view) => !Any
        ? view
        : view with
        {
            Caller = Numbers ? NumberOrNull(view.Caller) : view.Caller,
            Legs = Numbers ? [.. view.Legs.Select(l => l with { Number = NumberOrNull(l.Number) })] : view.Legs,
            Digits = Digits ? [.. view.Digits.Select(Keyed)] : view.Digits,
            Cdr = view.Cdr is { } cdr ? Mask(cdr) : null,
        };

    /// <summary>A stored view masked; the same bytes when nothing is to be masked.</summary>
    public ViewJson Mask(ViewJson viewJson) => !Any ? viewJson : ViewJson.Of(Mask(viewJson.Read()));

    /// <summary>
    /// A stored item's body with its personal fields masked wherever they are (a status push's <c>statusInfo</c>, a CDR,
    /// fields the protocol does not define); byte for byte as received when nothing is to be masked.
    /// </summary>
    public string MaskEventBody(string body)
    {
        if (!Any) return body;
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            // Not parseable here, so nothing can be masked reliably: hide the whole item rather than leak it.
            return "null";
        }
        return node is not null && MaskNode(node) ? node.ToJsonString() : body;
    }

    /// <summary>A phone number as a reader without the right to it sees it.</summary>
    public static string Number(string number)
    {
        var digits = number.Count(char.IsAsciiDigit);
        var keep = digits >= ShortNumber ? KeptDigits : 0;
        var masked = number.ToCharArray();
        var seen = 0;
        for (var i = 0; i < masked.Length; i++)
        {
            if (!char.IsAsciiDigit(masked[i])) continue;
            if (++seen <= digits - keep) masked[i] = '*';
        }
        return new string(masked);
    }

    /// <summary>Keyed-in digits with each key as '*'; separators of an IVR path ("1-2") stay.</summary>
    public static string Keyed(string digits) => new([.. digits.Select(c => char.IsAsciiDigit(c) || c is '*' or '#' ? '*' : c)]);

    /// <summary>
    /// Whether a field holds a phone number: the protocol's <c>caller</c> and <c>called</c>, and every name ending in
    /// "num", "nbr" or "number" (<c>callerNum</c>, <c>fwdDstNum</c>, the API's <c>callerNbr</c>, an undocumented
    /// <c>origCalleeNum</c>). A name rule rather than a list, so that a field the platform adds later is masked too.
    /// </summary>
    public static bool IsNumberField(string name) =>
        name.Equals("caller", StringComparison.OrdinalIgnoreCase)
        || name.Equals("called", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith("num", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith("nbr", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith("number", StringComparison.OrdinalIgnoreCase);

    private static bool IsDigitField(string name) =>
        name.Equals(DigitInfo, StringComparison.OrdinalIgnoreCase) || name.Equals(DynIvrPath, StringComparison.OrdinalIgnoreCase);

    private CdrView Mask(CdrView cdr) => cdr with
    {
        BindNum = Numbers ? NumberOrNull(cdr.BindNum) : cdr.BindNum,
        CallerNum = Numbers ? NumberOrNull(cdr.CallerNum) : cdr.CallerNum,
        CalleeNum = Numbers ? NumberOrNull(cdr.CalleeNum) : cdr.CalleeNum,
        FwdDisplayNum = Numbers ? NumberOrNull(cdr.FwdDisplayNum) : cdr.FwdDisplayNum,
        FwdDstNum = Numbers ? NumberOrNull(cdr.FwdDstNum) : cdr.FwdDstNum,
        DynIvrPath = Digits && cdr.DynIvrPath is { } path ? Keyed(path) : cdr.DynIvrPath,
        Extra = cdr.Extra is { } extra ? MaskExtra(extra) : null,
    };

    // Unknown CDR fields are kept as raw JSON text: masking the digits of the text keeps a string a string.
    private IReadOnlyDictionary<string, string> MaskExtra(IReadOnlyDictionary<string, string> extra) =>
        extra.ToDictionary(
            p => p.Key,
            p => Numbers && IsNumberField(p.Key) ? Number(p.Value) : Digits && IsDigitField(p.Key) ? Keyed(p.Value) : p.Value,
            StringComparer.Ordinal);

    private static string? NumberOrNull(string? number) => number is null ? null : Number(number);

    /// <summary>Masks the personal fields under <paramref name="node"/> in place; true when anything changed.</summary>
    private bool MaskNode(JsonNode node)
    {
        var changed = false;
        switch (node)
        {
            case JsonObject fields:
                foreach (var (name, value) in fields.ToList())
                {
                    if (value is null) continue;
                    if (value is JsonValue scalar && Masked(name, scalar) is { } masked)
                    {
                        fields[name] = masked;
                        changed = true;
                    }
                    else
                    {
                        changed |= MaskNode(value);
                    }
                }
                break;
            case JsonArray items:
                foreach (var item in items)
                    if (item is not null) changed |= MaskNode(item);
                break;
        }
        return changed;
    }

    /// <summary>The masked value of a personal scalar field, or null when the field is not personal or not shown masked.</summary>
    private string? Masked(string name, JsonValue value)
    {
        var text = value.GetValueKind() switch
        {
            JsonValueKind.String => value.GetValue<string>(),
            // A number sent as a JSON number is masked as a string: "*" is no digit.
            JsonValueKind.Number => value.ToJsonString(),
            _ => null,
        };
        if (text is null) return null;
        if (Numbers && IsNumberField(name)) return Number(text);
        if (Digits && IsDigitField(name)) return Keyed(text);
        return null;
    }
}
