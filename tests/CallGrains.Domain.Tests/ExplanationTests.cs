using System.Text.Json;
using System.Text.Json.Nodes;
using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;
using CallGrains.Tests.Shared;
using static CallGrains.Domain.Tests.Given;

namespace CallGrains.Domain.Tests;

/// <summary>
/// An explanation is the view's own decisions: every field it explains has exactly the view's value, whatever order and
/// repetition the items came in, every field of the view is explained, and the items it says were outranked could be
/// taken away without changing that field.
/// </summary>
public sealed class ExplanationTests
{
    /// <summary>Filled in when the view is read, not by the fold: an explanation leaves them out.</summary>
    private static readonly string[] ReadTimeFields = ["request", "cdrOverdue", "stale"];

    public static TheoryData<string> Samples() => [.. SampleCall.Names];

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_permutation_of_a_sample_is_explained_with_the_views_own_values(string name)
    {
        var call = SampleCall.Load(name);
        var items = Items(call);
        var count = 0L;
        foreach (var order in Orders.Permutations(items))
        {
            count++;
            AssertAgrees(Explain(order, call.SessionId), $"order {string.Join(',', order.Select(i => items.ToList().IndexOf(i)))}");
        }
        Assert.Equal(Orders.Factorial(items.Count), count);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Random_orders_with_repeats_explain_the_same_rules_and_values(string name)
    {
        var call = SampleCall.Load(name);
        var items = Items(call);
        var expected = RulesAndValues(Explain(items, call.SessionId));
        for (var seed = 0; seed < 500; seed++)
        {
            var explanation = Explain(Orders.ShuffledWithRepeats(items, new Random(seed)), call.SessionId);
            AssertAgrees(explanation, $"seed {seed}");
            Assert.Equal(expected, RulesAndValues(explanation));
        }
    }

    [Fact]
    public void Random_untidy_calls_are_explained_with_the_views_own_values_in_any_order()
    {
        for (var seed = 0; seed < 1500; seed++)
        {
            var items = RandomCalls.Call(seed);
            var expected = RulesAndValues(Explain(items));
            var explanation = Explain(Orders.ShuffledWithRepeats(items, new Random(seed)));
            AssertAgrees(explanation, $"seed {seed}");
            Assert.Equal(expected, RulesAndValues(explanation));
        }
    }

    [Fact]
    public void Taking_away_the_items_a_field_outranked_leaves_that_field_as_it_was()
    {
        // An outranked item can say other things too (a disconnect naming a third number adds a leg), so the property is
        // asked of calls whose shape (scenario and leg numbers) stays the same without those items; most do.
        var (checkedFields, reshaped) = (0, 0);
        for (var seed = 0; seed < 1000; seed++)
        {
            var items = RandomCalls.Call(seed);
            var explanation = Explain(items);
            var view = ViewJson(explanation.View);
            foreach (var field in explanation.Fields.Where(f => f.Outranked.Count > 0))
            {
                var without = ViewJson(Fold(items.Where((_, i) => !field.Outranked.Contains(i + 1))));
                if (Shape(without) != Shape(view))
                {
                    reshaped++;
                    continue;
                }
                checkedFields++;
                var held = field.Path.StartsWith("problems[", StringComparison.Ordinal)
                    ? without["problems"]!.AsArray().Any(p => JsonNode.DeepEquals(p, At(view, field.Path)))
                    : JsonNode.DeepEquals(At(view, field.Path), At(without, field.Path));
                Assert.True(held, $"seed {seed}, {field.Path} ({field.Rule}): without {string.Join(',', field.Outranked)} it is {At(without, field.Path)?.ToJsonString()}");
            }
        }
        Assert.True(checkedFields > 4 * reshaped, $"{checkedFields} fields checked, {reshaped} skipped");
    }

    private static string Shape(JsonObject view) =>
        $"{view["scenario"]} {string.Join(',', view["legs"]!.AsArray().Select(l => l!["number"]?.ToJsonString()))}";

    [Fact]
    public void The_readmes_callback_sample_says_why_in_sentences()
    {
        var call = SampleCall.Load("callback-connected");
        var explanation = Explain(Items(call), call.SessionId);

        Assert.Equal(
            "a disconnect or a CDR ends the call, and status never moves back: the disconnect received 7th (event time 03:04:49), the CDR received 8th (event time 03:04:49); outranked nothing",
            Field(explanation, "status").Because);
        Assert.Equal([7, 8], Field(explanation, "status").DecidedBy);
        Assert.Equal(
            "whole seconds from the conversation leg's answer to the end (the CDR's callEndTime, else the disconnect): the CDR received 8th (fwdAnswerTime 03:04:38, callEndTime 03:04:49); outranked the answer received 6th (event time 03:04:38)",
            Field(explanation, "talkSeconds").Because);
        Assert.Equal("11", Field(explanation, "talkSeconds").Value);
        Assert.Equal("talk.answer-to-end", Field(explanation, "talkSeconds").Rule);
        Assert.Equal("leg.number.cdr-fwd-dst", Field(explanation, "legs[1].number").Rule);
        Assert.Equal(
            "the CDR's time: the CDR is the record and outranks status pushes: the CDR received 8th (fwdAnswerTime 03:04:38); outranked the answer received 6th (event time 03:04:38)",
            Field(explanation, "legs[1].answeredAt").Because);
        Assert.Equal([8], Field(explanation, "legs[1].answeredAt").DecidedBy);
        Assert.Equal([6], Field(explanation, "legs[1].answeredAt").Outranked);
        Assert.Equal(
            "the conversation leg (B in a callback, else the only leg) answered: the CDR received 8th (fwdAnswerTime 03:04:38); outranked the answer received 6th (event time 03:04:38)",
            Field(explanation, "outcome").Because);
        Assert.Equal(
            "the CDR's userData outranks status pushes: the CDR received 8th (userData); outranked the callout received 1st (event time 03:04:24), the alerting received 2nd (event time 03:04:27), the answer received 3rd (event time 03:04:31) and 4 more",
            Field(explanation, "userData").Because);
        Assert.Equal("one per distinct item merged: duplicates and items past the session's limit do not count: the callout received 1st (event time 03:04:24), the alerting received 2nd (event time 03:04:27), the answer received 3rd (event time 03:04:31) and 5 more",
            Field(explanation, "version").Because);
    }

    [Fact]
    public void A_call_without_its_cdr_is_explained_from_its_status_pushes()
    {
        var call = SampleCall.Load("callback-connected");
        var explanation = Explain(Items(call).Where(i => !i.IsCdr), call.SessionId);

        Assert.Equal("leg.number.disconnect-called", Field(explanation, "legs[0].number").Rule);
        Assert.Equal("leg.time.earliest-push", Field(explanation, "legs[1].answeredAt").Rule);
        Assert.Equal([6], Field(explanation, "legs[1].answeredAt").DecidedBy);
        Assert.Equal("leg.end.disconnect", Field(explanation, "legs[1].endedAt").Rule);
        Assert.Equal("final.no-cdr", Field(explanation, "final").Rule);
        Assert.Equal("scenario.two-numbers", Field(explanation, "scenario").Rule);
        Assert.Equal("\"2019-01-24T03:04:38Z\"", Field(explanation, "legs[1].answeredAt").Value);
    }

    [Fact]
    public void Duplicates_unverified_items_and_items_past_the_limit_are_listed_as_such()
    {
        var call = SampleCall.Load("verification-code");
        var items = Items(call);
        var forged = items[0] with { Flag = RandomCalls.Forged };
        List<CallExplainer.Entry> entries =
        [
            .. items.Select(i => Entry(i)),
            Entry(items[0]),
            Entry(forged),
            Entry(items[1], folded: false),
            Entry(items[1], pending: true),
        ];

        var explanation = CallExplainer.Explain(call.SessionId, SessionLimits.Default, entries);

        var n = items.Count;
        Assert.All(explanation.Items.Take(n), i => Assert.Equal(ItemTreatments.Folded, i.Treatment));
        Assert.Equal((ItemTreatments.Duplicate, 1), (explanation.Items[n].Treatment, explanation.Items[n].DuplicateOf));
        Assert.Equal(ItemTreatments.Unverified, explanation.Items[n + 1].Treatment);
        Assert.Null(explanation.Items[n + 1].EventTime);
        Assert.Equal(ItemTreatments.PastLimit, explanation.Items[n + 2].Treatment);
        Assert.Equal(ItemTreatments.Pending, explanation.Items[n + 3].Treatment);
        Assert.Equal(n + 1, explanation.Version);
        Assert.Equal([n + 2], Field(explanation, "unverified").DecidedBy);
        Assert.Equal([n + 3], Field(explanation, "capped").DecidedBy);
        Assert.Equal("true", Field(explanation, "capped").Value);
        Assert.DoesNotContain(n + 2, Field(explanation, "status").DecidedBy);
        AssertAgrees(explanation, "flagged, duplicated and capped");
    }

    [Fact]
    public void Sentences_never_carry_a_phone_number_or_digits()
    {
        for (var seed = 0; seed < 300; seed++)
        {
            var explanation = Explain(RandomCalls.Call(seed));
            foreach (var field in explanation.Fields)
            {
                Assert.DoesNotContain("+86", field.Because, StringComparison.Ordinal);
                Assert.DoesNotContain("86138", field.Because, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Masked_explanations_show_no_number_or_digit_the_masked_view_hides(string name)
    {
        var call = SampleCall.Load(name);
        var explanation = Explain(Items(call), call.SessionId);

        var masked = PersonalDataMasking.Everything.Mask(explanation);

        var maskedView = ViewJson(PersonalDataMasking.Everything.Mask(explanation.View));
        var text = JsonSerializer.Serialize(masked, CallJson.Options);
        foreach (var secret in Secrets(explanation.View))
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        foreach (var field in masked.Fields)
            Assert.True(JsonNode.DeepEquals(At(maskedView, field.Path), JsonNode.Parse(field.Value)), $"{field.Path}: {field.Value}");
        Assert.Equal(explanation.Fields.Select(f => f.Because), masked.Fields.Select(f => f.Because));
        Assert.Equal(explanation.Items.Select(i => i.Key.Split('|')[0]), masked.Items.Select(i => i.Key.Split('|')[0]));
    }

    /// <summary>The numbers and keyed digits of a view, as they would appear in JSON.</summary>
    private static IEnumerable<string> Secrets(CallView view) =>
        new[] { view.Caller, view.Cdr?.CalleeNum, view.Cdr?.CallerNum, view.Cdr?.FwdDstNum }
            .Concat(view.Legs.Select(l => l.Number))
            .OfType<string>()
            .Select(n => n.TrimStart('+'))
            .Concat(view.Digits.Where(d => d.Length > 0).Select(d => $"|{d}\""))
            .Concat(view.Digits.Where(d => d.Length > 0).Select(d => $"\"{d}\""));

    private static CallExplainer.Entry Entry(PushItem item, bool folded = true, bool pending = false) =>
        new(item, folded, pending);

    /// <summary>The explanation of the items in this order, whose view must be the one the plain fold gives.</summary>
    private static CallExplanation Explain(IEnumerable<PushItem> items, string session = Session)
    {
        var explanation = CallExplainer.Explain(session, SessionLimits.Default, [.. items.Select(i => Entry(i))]);
        Assert.Equal(Json(Fold(items, session)), Json(explanation.View with { UpdatedAt = null }));
        return explanation;
    }

    private static FieldExplanation Field(CallExplanation explanation, string path) => explanation.Fields.Single(f => f.Path == path);

    /// <summary>What must not depend on arrival: each field's rule and value (positions do).</summary>
    private static string RulesAndValues(CallExplanation explanation) =>
        string.Join('\n', explanation.Fields.Select(f => $"{f.Path} {f.Rule} {f.Value}"));

    /// <summary>Every field explained has the view's value; every field of the view (and of each leg) is explained.</summary>
    private static void AssertAgrees(CallExplanation explanation, string context)
    {
        var view = ViewJson(explanation.View);
        Assert.Equal(explanation.View.Version, explanation.Version);
        foreach (var field in explanation.Fields)
        {
            var expected = At(view, field.Path);
            if (!JsonNode.DeepEquals(expected, JsonNode.Parse(field.Value)))
                Assert.Fail($"{context}: {field.Path} is explained as {field.Value}, the view has {expected?.ToJsonString() ?? "null"}");
        }
        var paths = explanation.Fields.Select(f => f.Path).ToHashSet();
        foreach (var (name, _) in view.AsObject().Where(p => !ReadTimeFields.Contains(p.Key)))
            Assert.True(paths.Contains(name), $"{context}: {name} is not explained");
        var legs = view["legs"]!.AsArray();
        for (var i = 0; i < legs.Count; i++)
            foreach (var (name, _) in legs[i]!.AsObject())
                Assert.True(paths.Contains($"legs[{i}].{name}"), $"{context}: legs[{i}].{name} is not explained");
    }

    private static JsonObject ViewJson(CallView view) => JsonNode.Parse(JsonSerializer.Serialize(view, CallJson.Options))!.AsObject();

    private static JsonNode? At(JsonObject view, string path) => ExplanationMasking.ValueAt(view, path);
}
