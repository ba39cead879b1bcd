using Orleans.AgentChannel.Errors;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace Orleans.AgentChannel.Grains.Tests;

/// <summary>
/// What a well-behaved client does while a silo dies: retry calls that failed because their silo went away
/// (message rejections, unavailable silos, timeouts, and what the silos answer for them: <c>unavailable</c>), until a deadline. A retried write may apply
/// twice when the first attempt committed before its reply was lost; callers that care make it idempotent.
/// </summary>
public static class Retry
{
    public static bool IsRetryable(Exception exception) =>
        exception is OrleansMessageRejectionException or SiloUnavailableException or TimeoutException
            or ConnectionFailedException or AgentChannelException { Code: ErrorKind.Unavailable }
        || exception.InnerException is { } inner && IsRetryable(inner);

    public static async Task<T> Call<T>(Func<Task<T>> call, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception exception) when (IsRetryable(exception) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
            }
        }
    }
}
