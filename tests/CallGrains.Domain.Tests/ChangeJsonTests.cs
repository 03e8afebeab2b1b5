using System.Text.Json;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Changes;
using CallGrains.Tests.Shared;

namespace CallGrains.Domain.Tests;

/// <summary>The change's JSON is written by hand (the stored view as it is), so it must stay what the serializer wrote.</summary>
public sealed class ChangeJsonTests
{
    [Theory]
    [InlineData("verification-code", "taxi-<7>&'é+", false)]
    [InlineData("verification-code", "taxi-<7>&'é+", true)]
    [InlineData("callback-connected", null, false)]
    [InlineData("notification-collect", "parcel-9", true)]
    public void ChangeJsonIsWhatSerializingTheChangeViewWrites(string sample, string? userData, bool masked)
    {
        var view = Given.Fold(Given.Items(SampleCall.Load(sample, userData: userData)));
        var change = new CallChange(1042, ChangeTypes.Final, view.SessionId, view.Version, userData,
            new DateTimeOffset(2026, 11, 29, 8, 0, 3, 123, TimeSpan.Zero), ViewJson.Of(view));
        var masking = new DigitMasking(masked);

        Assert.Equal(JsonSerializer.Serialize(ChangeView.Of(change, masking), CallJson.Options), ChangeView.Json(change, masking));
    }
}
