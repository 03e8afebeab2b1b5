namespace CallGrains.Domain.Tests;

/// <summary>Arrival orders for property tests: every permutation, or seeded shuffles with repeats.</summary>
internal static class Orders
{
    /// <summary>Heap's algorithm: every order exactly once, one at a time.</summary>
    public static IEnumerable<T[]> Permutations<T>(IReadOnlyList<T> items)
    {
        var a = items.ToArray();
        var c = new int[a.Length];
        yield return [.. a];
        var i = 0;
        while (i < a.Length)
        {
            if (c[i] < i)
            {
                var j = i % 2 == 0 ? 0 : c[i];
                (a[j], a[i]) = (a[i], a[j]);
                yield return [.. a];
                c[i]++;
                i = 0;
            }
            else
            {
                c[i] = 0;
                i++;
            }
        }
    }

    /// <summary>Each item one to three times, shuffled: how a platform with retries and parallel connections delivers.</summary>
    public static T[] ShuffledWithRepeats<T>(IReadOnlyList<T> items, Random random)
    {
        var copies = items.SelectMany(item => Enumerable.Repeat(item, random.Next(1, 4))).ToArray();
        random.Shuffle(copies);
        return copies;
    }

    public static T[] Shuffled<T>(IReadOnlyList<T> items, Random random)
    {
        var copy = items.ToArray();
        random.Shuffle(copy);
        return copy;
    }

    public static long Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);
}
