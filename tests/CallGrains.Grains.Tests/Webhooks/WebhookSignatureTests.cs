using CallGrains.Webhooks;

namespace CallGrains.Grains.Tests.Webhooks;

public sealed class WebhookSignatureTests
{
    // The Standard Webhooks specification's own test vector (standard-webhooks/standard-webhooks, library tests).
    private const string VectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string VectorId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const long VectorTimestamp = 1614265330;
    private const string VectorBody = "{\"test\": 2432232314}";
    private const string VectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    [Fact]
    public void The_signature_of_the_specifications_test_vector_is_the_specifications()
    {
        Assert.Equal(VectorSignature, WebhookSignature.Sign(VectorSecret, VectorId, VectorTimestamp, VectorBody));
    }

    [Fact]
    public void A_secret_without_its_prefix_signs_the_same()
    {
        Assert.Equal(VectorSignature, WebhookSignature.Sign(VectorSecret["whsec_".Length..], VectorId, VectorTimestamp, VectorBody));
    }

    [Fact]
    public void During_a_rotation_the_header_carries_one_signature_per_secret_newest_first()
    {
        var newer = WebhookSignature.NewSecret();

        var header = WebhookSignature.Header([newer, VectorSecret], VectorId, VectorTimestamp, VectorBody);

        Assert.Equal([WebhookSignature.Sign(newer, VectorId, VectorTimestamp, VectorBody), VectorSignature], header.Split(' '));
    }

    [Fact]
    public void A_new_secret_is_whsec_and_base64_of_32_random_bytes()
    {
        var secret = WebhookSignature.NewSecret();

        Assert.StartsWith("whsec_", secret);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        Assert.NotEqual(secret, WebhookSignature.NewSecret());
    }
}
