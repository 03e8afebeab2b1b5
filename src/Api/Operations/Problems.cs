using Microsoft.AspNetCore.Http.HttpResults;

namespace CallGrains.Api.Operations;

/// <summary>RFC 9457 problem results with the titles the contract's clients see.</summary>
public static class Problems
{
    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "The request cannot be accepted");

    public static ProblemHttpResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    public static ProblemHttpResult Unauthorized(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");

    public static ProblemHttpResult TooManyRequests() =>
        TooManyRequests("This client sent more pushes than its configured rate. Retry after the time in Retry-After.");

    public static ProblemHttpResult TooManyRequests(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests");

    public static ProblemHttpResult TooLarge(long limit) =>
        TypedResults.Problem($"The body is larger than the limit of {limit} bytes.",
            statusCode: StatusCodes.Status413PayloadTooLarge, title: "Body too large");
}
