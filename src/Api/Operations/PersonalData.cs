using CallGrains.Domain.Calls;

namespace CallGrains.Api.Operations;

public static class PersonalData
{
    /// <summary>
    /// The masking this request's answer gets: the configured digit masking for a caller that may see personal data,
    /// everything personal masked for a tenant's key without <c>pii:read</c> (<see cref="Caller.SeesPersonalData"/>).
    /// </summary>
    public static PersonalDataMasking MaskingFor(this DigitMasking configured, HttpContext http) =>
        configured.For(Caller.Of(http).SeesPersonalData);
}
