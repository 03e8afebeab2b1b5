using CallGrains.Domain.Calls;
using CallGrains.Domain.Pushes;
using CallGrains.Tests.Shared;
using static CallGrains.Domain.Tests.Given;

namespace CallGrains.Domain.Tests;

/// <summary>
/// The view is a pure function of the set of pushes: every permutation, every duplication and every subset
/// folded in any order gives the view of that set. Failures name the order or the seed that broke it.
/// </summary>
public sealed class OrderIndependenceTests
{
    public static TheoryData<string> Samples() => [.. SampleCall.Names];

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_permutation_of_a_sample_gives_the_same_view(string name)
    {
        var call = SampleCall.Load(name);
        var items = Items(call);
        var expected = Json(Fold(items, call.SessionId));

        var count = 0L;
        foreach (var order in Orders.Permutations(items))
        {
            count++;
            var actual = Json(Fold(order, call.SessionId));
            if (actual != expected)
                Assert.Fail($"order {string.Join(',', order.Select(i => IndexOf(items, i)))}:\n{actual}\nexpected\n{expected}");
        }
        Assert.Equal(Orders.Factorial(items.Count), count);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Random_orders_with_each_push_repeated_give_the_same_view(string name)
    {
        var call = SampleCall.Load(name);
        var items = Items(call);
        var expected = Json(Fold(items, call.SessionId));

        for (var seed = 0; seed < 2000; seed++)
        {
            var actual = Json(Fold(Orders.ShuffledWithRepeats(items, new Random(seed)), call.SessionId));
            if (actual != expected) Assert.Fail($"seed {seed}:\n{actual}\nexpected\n{expected}");
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Every_subset_of_a_sample_is_order_independent_too(string name)
    {
        // Lost status pushes are normal: whatever subset arrived, its order must not matter either.
        var call = SampleCall.Load(name);
        var items = Items(call);
        for (var mask = 1; mask < 1 << items.Count; mask++)
        {
            var subset = items.Where((_, i) => (mask & (1 << i)) != 0).ToArray();
            var expected = Json(Fold(subset, call.SessionId));
            for (var seed = 0; seed < 6; seed++)
            {
                var random = new Random(mask * 31 + seed);
                var actual = Json(Fold(Orders.ShuffledWithRepeats(subset, random), call.SessionId));
                if (actual != expected) Assert.Fail($"subset {mask:b}, seed {mask * 31 + seed}:\n{actual}\nexpected\n{expected}");
            }
        }
    }

    [Fact]
    public void Random_untidy_calls_give_the_same_view_in_any_order_and_any_repetition()
    {
        for (var seed = 0; seed < 3000; seed++)
        {
            var items = RandomCalls.Call(seed);
            var expected = Json(Fold(items));
            var random = new Random(seed);
            for (var round = 0; round < 8; round++)
            {
                var actual = Json(Fold(Orders.ShuffledWithRepeats(items, random)));
                if (actual != expected) Assert.Fail($"seed {seed}, round {round}:\n{actual}\nexpected\n{expected}");
            }
        }
    }

    [Fact]
    public void Random_subsets_of_random_calls_are_order_independent()
    {
        for (var seed = 0; seed < 3000; seed++)
        {
            var random = new Random(seed);
            var subset = RandomCalls.Call(seed).Where(_ => random.Next(3) != 0).ToArray();
            var first = Json(Fold(Orders.Shuffled(subset, random)));
            var second = Json(Fold(Orders.Shuffled(subset, random)));
            if (first != second) Assert.Fail($"seed {seed}:\n{first}\nversus\n{second}");
        }
    }

    [Fact]
    public void Adding_two_items_commutes_on_the_facts_a_grain_holds()
    {
        for (var seed = 0; seed < 3000; seed++)
        {
            var items = RandomCalls.Call(seed);
            if (items.Count < 2) continue;
            var empty = CallFacts.Empty(Session);
            var (a, b) = (items[0], items[1]);

            var ab = Json(CallRendering.View(Add(Add(empty, a), b)));
            var ba = Json(CallRendering.View(Add(Add(empty, b), a)));

            if (ab != ba) Assert.Fail($"seed {seed}:\n{ab}\nversus\n{ba}");
        }
    }

    [Fact]
    public void Status_never_moves_back_and_a_final_call_stays_final_as_items_arrive()
    {
        for (var seed = 0; seed < 3000; seed++)
        {
            var random = new Random(seed);
            var facts = CallFacts.Empty(Session);
            var previous = CallRendering.View(facts);
            foreach (var item in Orders.Shuffled(RandomCalls.Call(seed), random))
            {
                facts = Add(facts, item);
                var view = CallRendering.View(facts);
                Assert.True(view.Status >= previous.Status, $"seed {seed}: {previous.Status} -> {view.Status}");
                Assert.True(view.Final || !previous.Final, $"seed {seed}: final went back");
                Assert.True(view.Version == previous.Version + 1, $"seed {seed}: version {previous.Version} -> {view.Version}");
                previous = view;
            }
        }
    }

    [Fact]
    public void Conflicting_items_are_resolved_the_same_way_in_any_order()
    {
        // Two different disconnects and two different CDRs (a correction): the pick must not depend on arrival.
        PushItem[] items =
        [
            Status("callout", $"\"timestamp\":\"2019-01-24 03:04:24\",\"called\":\"{A}\""),
            Status("disconnect", $"\"timestamp\":\"2019-01-24 03:04:49\",\"called\":\"{A}\",\"stateCode\":0"),
            Status("disconnect", $"\"timestamp\":\"2019-01-24 03:04:50\",\"called\":\"{A}\",\"stateCode\":8102"),
            Cdr($"\"calleeNum\":\"{A}\",\"callEndTime\":\"2019-01-24 03:04:49\",\"serviceType\":\"001\""),
            Cdr($"\"calleeNum\":\"{A}\",\"callEndTime\":\"2019-01-24 03:04:49\",\"serviceType\":\"001\",\"callOutUnaswRsn\":17"),
        ];
        var expected = Json(Fold(items));

        foreach (var order in Orders.Permutations(items))
            Assert.Equal(expected, Json(Fold(order)));
        var view = Fold(items);
        Assert.Equal(17, view.Cdr!.CallOutUnaswRsn);
        Assert.Equal(0, view.Hangup!.StateCode);
    }

    [Fact]
    public void The_random_calls_reach_every_scenario_status_and_outcome_so_the_properties_above_say_something()
    {
        var views = Enumerable.Range(0, 3000).Select(seed => Fold(RandomCalls.Call(seed))).ToList();

        Assert.Equal(Enum.GetValues<CallScenario>(), views.Select(v => v.Scenario).Distinct().Order());
        Assert.Equal(Enum.GetValues<CallStatus>(), views.Select(v => v.Status).Distinct().Order());
        Assert.Equal(Enum.GetValues<CallOutcome>(), views.Select(v => v.Outcome).OfType<CallOutcome>().Distinct().Order());
        Assert.Contains(views, v => v.Legs.Count == 2 && v.TalkSeconds is > 0);
        Assert.Contains(views, v => v.Problems.Count > 0);
        Assert.Contains(views, v => v.Digits.Count > 1);
    }

    private static int IndexOf(IReadOnlyList<PushItem> items, PushItem item) => items.ToList().IndexOf(item);
}
