using MudBlazor;

namespace Orleans.AgentChannel.WebFrontend.Components.Layout;

internal static class ConsoleTheme
{
    /// <summary>MudBlazor's defaults, with fonts that exist without a download (no web fonts offline).</summary>
    public static MudTheme Theme { get; } = new()
    {
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = ["Roboto", "Helvetica Neue", "Arial", "Liberation Sans", "sans-serif"] },
        },
    };
}
