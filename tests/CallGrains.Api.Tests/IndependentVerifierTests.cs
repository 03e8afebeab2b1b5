using StandardWebhooks;

namespace CallGrains.Api.Tests;

/// <summary>The receiver's verifier is only worth its checks if it agrees with the specification itself.</summary>
public sealed class IndependentVerifierTests
{
    [Fact]
    public void The_receivers_verifier_signs_the_specifications_test_vector_as_the_specification_says()
    {
        // Standard Webhooks' own vector (standard-webhooks/standard-webhooks, library tests).
        var webhook = new StandardWebhook(Received.KeyOf("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));

        var signature = webhook.Sign("msg_p5jXN8AQM9LWM0D4loKWxJek", DateTimeOffset.FromUnixTimeSeconds(1614265330), "{\"test\": 2432232314}");

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", signature);
    }
}
