using System.Globalization;

namespace CallGrains.PushSimulator;

/// <summary>The simulator's knobs, from <c>--name value</c> pairs.</summary>
public sealed record SimulatorOptions
{
    public Uri Url { get; init; } = new("http://localhost:5080");
    /// <summary>Calls to place; 0 means as many as fit in <see cref="DurationSeconds"/>.</summary>
    public int Calls { get; init; } = 1000;
    public double DurationSeconds { get; init; }
    /// <summary>Pushes per second on a fixed schedule (latency from each push's due time); 0 sends as fast as <see cref="Concurrency"/> allows.</summary>
    public double Rate { get; init; }
    public int Concurrency { get; init; } = 16;
    /// <summary>Probability that two neighbouring status pushes of a call arrive swapped.</summary>
    public double Reorder { get; init; } = 0.2;
    /// <summary>Probability that a push is sent a second time.</summary>
    public double Duplicates { get; init; } = 0.1;
    /// <summary>Probability that a status push is lost (never sent; the platform never re-sends them).</summary>
    public double DropStatus { get; init; } = 0.02;
    /// <summary>Probability that a call's CDR is held back until all other traffic is sent.</summary>
    public double LateCdr { get; init; } = 0.1;
    public int CdrBatch { get; init; } = 50;
    /// <summary>How often a failed CDR push is tried again (the platform: 6 times, an hour apart).</summary>
    public int CdrRetries { get; init; } = 6;
    public int CdrRetryDelayMs { get; init; } = 1000;
    public int Seed { get; init; } = 1;
    public bool Verify { get; init; } = true;
    public string? ApiKey { get; init; }
    public bool Json { get; init; }

    public static SimulatorOptions Parse(IReadOnlyList<string> args)
    {
        var options = new SimulatorOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            double Number() => double.Parse(Value(), CultureInfo.InvariantCulture);
            options = name switch
            {
                "--url" => options with { Url = new Uri(Value()) },
                "--calls" => options with { Calls = (int)Number() },
                "--duration" => options with { DurationSeconds = Number() },
                "--rate" => options with { Rate = Number() },
                "--concurrency" => options with { Concurrency = (int)Number() },
                "--reorder" => options with { Reorder = Number() },
                "--duplicates" => options with { Duplicates = Number() },
                "--drop-status" => options with { DropStatus = Number() },
                "--late-cdr" => options with { LateCdr = Number() },
                "--cdr-batch" => options with { CdrBatch = Math.Clamp((int)Number(), 1, 50) },
                "--cdr-retries" => options with { CdrRetries = (int)Number() },
                "--cdr-retry-delay-ms" => options with { CdrRetryDelayMs = (int)Number() },
                "--seed" => options with { Seed = (int)Number() },
                "--api-key" => options with { ApiKey = Value() },
                "--no-verify" => options with { Verify = false },
                "--json" => options with { Json = true },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }
        if (options.Calls <= 0 && options.DurationSeconds <= 0)
            throw new ArgumentException("give --calls or --duration");
        return options;
    }

    public const string Usage = """
        CallGrains push simulator: realistic Huawei VoiceCall traffic against a CallGrains URL.

        dotnet run --project tools/PushSimulator -c Release -- [options]
          --url URL              service base URL (default http://localhost:5080)
          --calls N              calls to place (default 1000); 0 with --duration runs for a time
          --duration S           stop placing new calls after S seconds
          --rate R               pushes per second on a fixed schedule, latency from each push's scheduled
                                 time (default: as fast as concurrency allows, latency from each send)
          --concurrency N        pushes in flight at once (default 16)
          --reorder P            chance two neighbouring status pushes arrive swapped (0.2)
          --duplicates P         chance a push is sent twice (0.1)
          --drop-status P        chance a status push is lost (0.02)
          --late-cdr P           chance a CDR is held back to the end of the run (0.1)
          --cdr-batch N          CDRs per fee push, 1 to 50 (50)
          --cdr-retries N        retries of a failed CDR push (6); --cdr-retry-delay-ms MS (1000)
          --seed N               random seed (1)
          --api-key KEY          bearer key for the verification queries
          --no-verify            skip checking the views afterwards
          --json                 print the summary as one JSON object
        Exit code 0 when every acknowledged push is reflected and every call with an acknowledged
        CDR is final with its expected outcome; 1 otherwise.
        """;
}
