using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;
using static CallGrains.Domain.Tests.Given;

namespace CallGrains.Domain.Tests;

/// <summary>
/// No sender can grow a call without bound: problems, legs and a CDR's unknown fields are cut to the least ones,
/// so the capped view is still a function of the set of items; the view says it was capped.
/// </summary>
public sealed class SessionLimitTests
{
    private static readonly SessionLimits Small = new(MaxItems: 1000, MaxProblems: 3, MaxLegs: 2, MaxExtraCdrFields: 2);

    [Fact]
    public void Problems_past_the_limit_are_cut_to_the_least_and_the_view_says_capped()
    {
        var items = Enumerable.Range(0, 6)
            .Select(i => Status("callout", $"\"timestamp\":\"2019-01-24 03:04:2{i}\",\"called\":\"{A}\",\"stateCode\":1,\"caller\":{{\"bad\":{i}}}"))
            .ToList();

        var view = Fold(items, Small);

        Assert.Equal(3, view.Problems.Count);
        Assert.Equal(view.Problems.Order(StringComparer.Ordinal), view.Problems);
        Assert.True(view.Capped);
        Assert.False(Fold(items.Take(1), Small).Capped);
    }

    [Fact]
    public void Numbers_past_the_leg_limit_are_dropped_least_numbers_first_kept()
    {
        string[] numbers = ["+8613800000003", "+8613800000001", "+8613800000004", "+8613800000002"];
        var items = numbers.Select((n, i) => Status("callout", $"\"timestamp\":\"2019-01-24 03:04:2{i}\",\"called\":\"{n}\"")).ToList();

        var view = Fold(items, Small);

        Assert.True(view.Capped);
        Assert.Equal(CallStatus.Dialing, view.Status);
        Assert.All(view.Legs, leg => Assert.Contains(leg.Number, new[] { "+8613800000001", "+8613800000002" }));
    }

    [Fact]
    public void A_cdr_keeps_only_its_least_unknown_fields()
    {
        var cdr = Cdr($"\"calleeNum\":\"{A}\",\"serviceType\":\"001\",\"zeta\":1,\"alpha\":2,\"mid\":3");

        var view = Fold([cdr], Small);

        Assert.Equal(["alpha", "mid"], view.Cdr!.Extra!.Keys);
        Assert.True(view.Capped);
    }

    [Fact]
    public void Capped_views_are_the_same_in_any_order()
    {
        var tight = new SessionLimits(MaxItems: 1000, MaxProblems: 1, MaxLegs: 1, MaxExtraCdrFields: 0);
        for (var seed = 0; seed < 1500; seed++)
        {
            var items = RandomCalls.Call(seed);
            var expected = Json(Fold(items, tight));
            var random = new Random(seed);
            for (var round = 0; round < 4; round++)
            {
                var actual = Json(Fold(Orders.ShuffledWithRepeats(items, random), tight));
                if (actual != expected) Assert.Fail($"seed {seed}, round {round}:\n{actual}\nexpected\n{expected}");
            }
        }
    }

    [Fact]
    public void An_item_past_the_item_limit_changes_nothing_but_the_capped_flag()
    {
        var call = Items(CallGrains.Tests.Shared.SampleCall.Load("callback-connected"));
        var facts = CallFacts.Empty(Session);
        foreach (var item in call) facts = Add(facts, item);

        var surplus = CallFold.Surplus(facts);

        Assert.Equal(Json(CallRendering.View(facts) with { Capped = true }), Json(CallRendering.View(surplus)));
    }
}
