namespace CallGrains.Domain.Calls;

/// <summary>
/// The node's configured switch "CallGrains:MaskDigits": collected digits can be a PIN, an account number or a
/// verification code, so with it on they are masked for every reader. Who else sees what is
/// <see cref="PersonalDataMasking"/>'s rule, which this only configures: <see cref="For"/> gives a reader's policy.
/// The journal keeps the digits, because it is the record the views are re-derived from.
/// </summary>
public sealed class DigitMasking(bool enabled)
{
    public bool Enabled => enabled;

    /// <summary>What a reader allowed personal data sees: digits masked only when configured.</summary>
    public PersonalDataMasking Policy { get; } = new(Digits: enabled, Numbers: false);

    /// <summary>A reader's policy: everything personal masked unless <paramref name="personalDataVisible"/>.</summary>
    public PersonalDataMasking For(bool personalDataVisible) => personalDataVisible ? Policy : PersonalDataMasking.Everything;

    public CallView Mask(CallView view) => Policy.Mask(view);

    /// <summary>The stored item with its digits masked; byte for byte as received when masking is off or there are none.</summary>
    public string MaskEventBody(string body) => Policy.MaskEventBody(body);

    public static implicit operator PersonalDataMasking(DigitMasking masking) => masking.Policy;
}
