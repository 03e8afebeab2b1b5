using System.Text.Json;
using CallGrains.Domain.Calls;
using CallGrains.Tests.Shared;

namespace CallGrains.Domain.Tests;

/// <summary>The one masking rule: numbers keep their length and last four digits, keyed-in digits keep only their count.</summary>
public sealed class PersonalDataMaskingTests
{
    private static readonly PersonalDataMasking Masked = PersonalDataMasking.Everything;

    [Theory]
    [InlineData("+8613800001234", "+*********1234")]
    [InlineData("8613800001234", "*********1234")]
    [InlineData("+86 755 1234 5678", "+** *** **** 5678")]
    [InlineData("+8675512****78", "+*****12****78")]
    [InlineData("10086", "*****")]
    [InlineData("", "")]
    public void A_number_keeps_its_length_its_other_characters_and_only_a_long_numbers_last_four_digits(string number, string shown)
    {
        Assert.Equal(shown, PersonalDataMasking.Number(number));
    }

    [Fact]
    public void Every_number_and_digit_of_a_view_is_masked_and_nothing_else_changes()
    {
        var view = Given.Fold(Given.Items(SampleCall.Load("callback-connected")));
        var digits = Given.Fold(Given.Items(SampleCall.Load("notification-collect")));

        var masked = Masked.Mask(view);
        var maskedDigits = Masked.Mask(digits);

        Assert.Equal("+*********0022", masked.Caller);
        Assert.Equal(["+*********0021", "+*********7021"], masked.Legs.Select(l => l.Number));
        Assert.Equal("+*********0022", masked.Cdr!.CallerNum);
        Assert.Equal("+*********0021", masked.Cdr.CalleeNum);
        Assert.Equal("+*********7021", masked.Cdr.FwdDstNum);
        Assert.Equal((view.Status, view.Outcome, view.TalkSeconds, view.UserData, view.Version, view.Cdr!.CallEndTime),
            (masked.Status, masked.Outcome, masked.TalkSeconds, masked.UserData, masked.Version, masked.Cdr!.CallEndTime));
        Assert.All(maskedDigits.Digits, d => Assert.Matches("^\\*+$", d));
        Assert.Equal(digits.Digits.Select(d => d.Length), maskedDigits.Digits.Select(d => d.Length));
    }

    [Fact]
    public void A_stored_body_is_masked_in_every_number_field_wherever_it_is_and_keeps_its_shape()
    {
        const string body = """{"eventType":"fee","feeLst":[{"callerNum":"+8613800001234","origCalleeNum":8613800005678,"dynIVRPath":"1-2#","x":{"called":"+8613800009999"},"icid":"CAE-20190124110424-12019775"}]}""";

        var masked = JsonDocument.Parse(Masked.MaskEventBody(body)).RootElement.GetProperty("feeLst")[0];

        Assert.Equal("+*********1234", masked.GetProperty("callerNum").GetString());
        Assert.Equal("*********5678", masked.GetProperty("origCalleeNum").GetString());
        Assert.Equal("*-**", masked.GetProperty("dynIVRPath").GetString());
        Assert.Equal("+*********9999", masked.GetProperty("x").GetProperty("called").GetString());
        Assert.Equal("CAE-20190124110424-12019775", masked.GetProperty("icid").GetString());
    }

    [Fact]
    public void A_body_with_nothing_personal_or_a_reader_who_may_see_it_gets_the_body_byte_for_byte()
    {
        const string plain = """{"eventType":"answer", "statusInfo":{"sessionId":"s-1","timestamp":"2019-01-24 03:04:31"}}""";
        const string personal = """{"eventType":"answer", "statusInfo":{"called":"+8613800001234"}}""";

        Assert.Equal(plain, Masked.MaskEventBody(plain));
        Assert.Equal(personal, PersonalDataMasking.None.MaskEventBody(personal));
        Assert.Equal("null", Masked.MaskEventBody("{not json"));
    }

    [Fact]
    public void The_digit_switch_masks_digits_for_every_reader_and_numbers_only_for_one_without_the_right()
    {
        Assert.Equal(new PersonalDataMasking(Digits: true, Numbers: false), new DigitMasking(true).For(personalDataVisible: true));
        Assert.Equal(PersonalDataMasking.None, new DigitMasking(false).For(personalDataVisible: true));
        Assert.Equal(PersonalDataMasking.Everything, new DigitMasking(false).For(personalDataVisible: false));
    }
}
