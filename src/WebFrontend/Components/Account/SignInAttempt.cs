namespace Orleans.AgentChannel.WebFrontend.Components.Account;

public readonly record struct SignInAttempt(SignInOutcome Outcome, TimeSpan RetryAfter = default);
