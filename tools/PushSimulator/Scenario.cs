namespace CallGrains.PushSimulator;

/// <summary>The kinds of call the platform places and how each one ends.</summary>
public enum Scenario
{
    CallbackConnected,
    CallbackBusy,
    CallbackCallerAbandoned,
    NotificationCollect,
    NotificationNoAnswer,
    VerificationConnected,
    VerificationInvalidNumber,
    VerificationBusy,
}

public static class Scenarios
{
    /// <summary>A realistic mix: most calls connect, some fail in each of the usual ways.</summary>
    public static readonly (Scenario Scenario, int Weight)[] Mix =
    [
        (Scenario.CallbackConnected, 35),
        (Scenario.CallbackBusy, 6),
        (Scenario.CallbackCallerAbandoned, 4),
        (Scenario.NotificationCollect, 15),
        (Scenario.NotificationNoAnswer, 8),
        (Scenario.VerificationConnected, 22),
        (Scenario.VerificationInvalidNumber, 5),
        (Scenario.VerificationBusy, 5),
    ];

    public static Scenario Pick(Random random)
    {
        var roll = random.Next(Mix.Sum(m => m.Weight));
        foreach (var (scenario, weight) in Mix)
        {
            if (roll < weight) return scenario;
            roll -= weight;
        }
        return Mix[0].Scenario;
    }

    /// <summary>The outcome CallGrains must report once the CDR is in (the contract's word).</summary>
    public static string ExpectedOutcome(this Scenario scenario) => scenario switch
    {
        Scenario.CallbackConnected or Scenario.NotificationCollect or Scenario.VerificationConnected => "answered",
        Scenario.CallbackBusy or Scenario.VerificationBusy => "busy",
        Scenario.CallbackCallerAbandoned => "caller-abandoned",
        Scenario.NotificationNoAnswer => "no-answer",
        Scenario.VerificationInvalidNumber => "invalid-number",
        _ => throw new ArgumentOutOfRangeException(nameof(scenario)),
    };
}
