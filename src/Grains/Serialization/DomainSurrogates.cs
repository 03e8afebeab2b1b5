using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;
using CallGrains.Domain.Requests;

namespace CallGrains.Serialization;

// The domain knows nothing of Orleans, so the domain records that cross a grain boundary travel as these
// surrogates. Ids and aliases are the wire format: append new members at the end, never renumber.

[GenerateSerializer, Immutable, Alias("callgrains.push-item")]
public readonly record struct PushItemSurrogate(
    [property: Id(0)] string SessionId,
    [property: Id(1)] string EventType,
    [property: Id(2)] string Body,
    [property: Id(3)] DateTimeOffset ReceivedAt,
    [property: Id(4)] string? Flag,
    [property: Id(5)] ItemReading? Reading);

[RegisterConverter]
public sealed class PushItemSurrogateConverter : IConverter<PushItem, PushItemSurrogate>
{
    // The reading travels with the item (ViewSurrogates.cs), so that a silo behind a separate API tier does not read the body again.
    public PushItem ConvertFromSurrogate(in PushItemSurrogate s) => new(s.SessionId, s.EventType, s.Body, s.ReceivedAt, s.Flag) { Reading = s.Reading };

    public PushItemSurrogate ConvertToSurrogate(in PushItem v) => new(v.SessionId, v.EventType, v.Body, v.ReceivedAt, v.Flag, v.Reading);
}

[GenerateSerializer, Immutable, Alias("callgrains.call-summary")]
public readonly record struct CallSummarySurrogate(
    [property: Id(0)] string SessionId,
    [property: Id(1)] CallStatus Status,
    [property: Id(2)] CallOutcome? Outcome,
    [property: Id(3)] bool Final,
    [property: Id(4)] DateTimeOffset UpdatedAt,
    [property: Id(5)] int Version,
    [property: Id(6)] int Unverified);

[RegisterConverter]
public sealed class CallSummarySurrogateConverter : IConverter<CallSummary, CallSummarySurrogate>
{
    public CallSummary ConvertFromSurrogate(in CallSummarySurrogate s) =>
        new(s.SessionId, s.Status, s.Outcome, s.Final, s.UpdatedAt, s.Version, s.Unverified);

    public CallSummarySurrogate ConvertToSurrogate(in CallSummary v) =>
        new(v.SessionId, v.Status, v.Outcome, v.Final, v.UpdatedAt, v.Version, v.Unverified);
}
