namespace Orleans.AgentChannel.WebFrontend.Components.Shared;

public readonly record struct DiffLine(DiffChange Change, string Text);
