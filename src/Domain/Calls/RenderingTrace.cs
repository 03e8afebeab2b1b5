using CallGrains.Domain.Pushes;

namespace CallGrains.Domain.Calls;

/// <summary>
/// Told every decision <see cref="CallRendering"/> makes, as it makes it: the field, the value it put in the view, the
/// rule that decided it and the facts that rule read. Only an explanation passes one (<see cref="CallExplainer"/>); a
/// grain rendering its view passes none, so the hot path pays one null check per field and the explanation cannot
/// describe a decision the view did not make.
/// </summary>
internal interface IRenderingTrace
{
    void Decided(string path, object? value, Rule rule, params Evidence[] evidence);
}

/// <summary>A rule of the fold or the rendering: a stable id for machines and a sentence for people.</summary>
public sealed record Rule(string Id, string Sentence);

/// <summary>
/// The facts a rule read, named so that the explanation can find the items that said them. Never a phone number or
/// digits in a sentence: values are shown beside it, masked where the caller may not see them.
/// </summary>
internal abstract record Evidence
{
    /// <summary>The CDR the view reports (at one of its fields, or whole when null), against the other CDRs; a time or code is shown.</summary>
    public sealed record Cdr(string? Field = null, DateTimeOffset? At = null, int? Code = null) : Evidence;

    /// <summary>The disconnect the view reports.</summary>
    public sealed record Disconnect : Evidence;

    /// <summary>The earliest status event of one type for one dialled number (a leg's time).</summary>
    public sealed record LegEvent(string Number, StatusEventType Type) : Evidence;

    /// <summary>The status events that took the call to a stage (<see cref="CallFold.StageOf"/>), against those that got less far.</summary>
    public sealed record StageReached(CallStatus Stage) : Evidence;

    /// <summary>Every <c>collectInfo</c>; <paramref name="WithDigits"/>: only those that carried digits.</summary>
    public sealed record CollectInfo(bool WithDigits) : Evidence;

    /// <summary>The items that gave the view's <c>userData</c>, against those that said another.</summary>
    public sealed record UserData(string Value) : Evidence;

    /// <summary>The status events that gave the view's <c>caller</c>, against those that said another.</summary>
    public sealed record Caller(string Value) : Evidence;

    /// <summary>The items whose reading listed this problem.</summary>
    public sealed record Problem(string Text) : Evidence;

    /// <summary>What decided another field of the view (explained on its own).</summary>
    public sealed record OtherField(string Path) : Evidence;

    /// <summary>Every status event naming one of the numbers the call keeps.</summary>
    public sealed record DialledNumbers : Evidence;

    /// <summary>The status events naming one number, against those naming another (but <paramref name="Besides"/>, which was not in the running).</summary>
    public sealed record NamedNumber(string Dialled, string? Besides = null) : Evidence;

    /// <summary>Whatever <paramref name="Inner"/> names lost to this decision's other evidence.</summary>
    public sealed record Overruled(Evidence Inner) : Evidence;

    /// <summary>Every item merged into the facts (the version counts them).</summary>
    public sealed record Merged : Evidence;

    /// <summary>The quarantined items.</summary>
    public sealed record Unverified : Evidence;

    /// <summary>The items past the session's item limit: journaled, never merged.</summary>
    public sealed record PastLimit : Evidence;

    /// <summary>The items at these positions of the journal.</summary>
    public sealed record Positions(IReadOnlyList<int> Of) : Evidence;
}
