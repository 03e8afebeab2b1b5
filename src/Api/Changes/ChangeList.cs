using CallGrains.Domain.Changes;

namespace CallGrains.Api.Changes;

/// <summary>A page of changes; <see cref="Next"/> is the <c>after</c> of the following page.</summary>
public sealed record ChangeList(IReadOnlyList<ChangeView> Items, long Next);
