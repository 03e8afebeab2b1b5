using CallGrains.Domain.Calls;

namespace CallGrains.Domain.Changes;

/// <summary>
/// One change of a call's view: every stored item that raises a view's version makes one. Numbered by
/// <see cref="Seq"/> in the order readers see them (gaps allowed); a session's changes come in version order.
/// </summary>
/// <param name="Type"><see cref="ChangeTypes.Final"/> for the change that made the view final, else <see cref="ChangeTypes.Updated"/>.</param>
/// <param name="At">When the item behind the change was received: the view's <c>updatedAt</c>.</param>
/// <param name="ViewJson">The call view at <see cref="Version"/>, as contract JSON.</param>
public sealed record CallChange(long Seq, string Type, string SessionId, int Version, string? UserData, DateTimeOffset At, ViewJson ViewJson);

/// <summary>The change types of the contract.</summary>
public static class ChangeTypes
{
    public const string Updated = "call.updated";
    public const string Final = "call.final";

    public static IReadOnlyList<string> All { get; } = [Updated, Final];

    /// <summary>The type of the change an item makes: final only for the item that made the view final.</summary>
    public static string Of(bool wasFinal, bool isFinal) => isFinal && !wasFinal ? Final : Updated;
}
