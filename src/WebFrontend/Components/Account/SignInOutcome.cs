namespace Orleans.AgentChannel.WebFrontend.Components.Account;

public enum SignInOutcome
{
    SignedIn,
    WrongToken,

    /// <summary>Too many wrong tokens from this address lately: try again after <see cref="SignInAttempt.RetryAfter"/>.</summary>
    LockedOut,
}
