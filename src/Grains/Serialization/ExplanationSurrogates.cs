using CallGrains.Domain.Calls;

namespace CallGrains.Serialization;

// An explanation crosses one grain boundary, from the call's grain to the API. Ids and aliases are the wire format:
// append new members at the end, never renumber.

[GenerateSerializer, Immutable, Alias("callgrains.call-explanation")]
public readonly record struct CallExplanationSurrogate(
    [property: Id(0)] string SessionId,
    [property: Id(1)] int Version,
    [property: Id(2)] CallView View,
    [property: Id(3)] ExplainedItem[] Items,
    [property: Id(4)] int ItemsOmitted,
    [property: Id(5)] FieldExplanation[] Fields);

[RegisterConverter]
public sealed class CallExplanationSurrogateConverter : IConverter<CallExplanation, CallExplanationSurrogate>
{
    public CallExplanation ConvertFromSurrogate(in CallExplanationSurrogate s) => new(s.SessionId, s.Version, s.View, s.Items, s.ItemsOmitted, s.Fields);

    public CallExplanationSurrogate ConvertToSurrogate(in CallExplanation v) => new(v.SessionId, v.Version, v.View, [.. v.Items], v.ItemsOmitted, [.. v.Fields]);
}

[GenerateSerializer, Immutable, Alias("callgrains.explained-item")]
public readonly record struct ExplainedItemSurrogate(
    [property: Id(0)] int Position,
    [property: Id(1)] string EventType,
    [property: Id(2)] DateTimeOffset? EventTime,
    [property: Id(3)] string Key,
    [property: Id(4)] DateTimeOffset ReceivedAt,
    [property: Id(5)] string Treatment,
    [property: Id(6)] int? DuplicateOf);

[RegisterConverter]
public sealed class ExplainedItemSurrogateConverter : IConverter<ExplainedItem, ExplainedItemSurrogate>
{
    public ExplainedItem ConvertFromSurrogate(in ExplainedItemSurrogate s) =>
        new(s.Position, s.EventType, s.EventTime, s.Key, s.ReceivedAt, s.Treatment, s.DuplicateOf);

    public ExplainedItemSurrogate ConvertToSurrogate(in ExplainedItem v) =>
        new(v.Position, v.EventType, v.EventTime, v.Key, v.ReceivedAt, v.Treatment, v.DuplicateOf);
}

[GenerateSerializer, Immutable, Alias("callgrains.field-explanation")]
public readonly record struct FieldExplanationSurrogate(
    [property: Id(0)] string Path,
    [property: Id(1)] string Value,
    [property: Id(2)] string Rule,
    [property: Id(3)] string Because,
    [property: Id(4)] int[] DecidedBy,
    [property: Id(5)] int[] Outranked,
    [property: Id(6)] int Omitted);

[RegisterConverter]
public sealed class FieldExplanationSurrogateConverter : IConverter<FieldExplanation, FieldExplanationSurrogate>
{
    public FieldExplanation ConvertFromSurrogate(in FieldExplanationSurrogate s) =>
        new(s.Path, s.Value, s.Rule, s.Because, s.DecidedBy, s.Outranked, s.Omitted);

    public FieldExplanationSurrogate ConvertToSurrogate(in FieldExplanation v) =>
        new(v.Path, v.Value, v.Rule, v.Because, [.. v.DecidedBy], [.. v.Outranked], v.Omitted);
}
