using Microsoft.Playwright;
using MudBlazor;
using static Microsoft.Playwright.Assertions;

namespace Orleans.AgentChannel.Console.Tests;

public sealed class ThemeTests(ConsoleFixture fixture)
{
    private static readonly string LightBackground = Css(new PaletteLight().Background);
    private static readonly string DarkBackground = Css(new PaletteDark().Background);

    [Fact]
    public async Task The_console_follows_a_dark_system_until_the_operator_picks_light_and_remembers_the_choice()
    {
        await using var console = await fixture.Open("/console/tasks", "Task board", ColorScheme.Dark);
        var page = console.Page;
        var body = page.Locator("body");
        await Expect(body).ToHaveCSSAsync("background-color", DarkBackground);
        await console.Screenshot("tasks-dark");

        await page.GetByTestId("theme-toggle").ClickAsync();
        await Expect(body).ToHaveCSSAsync("background-color", LightBackground);

        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Task board", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", "Switch to dark mode");
        await Expect(body).ToHaveCSSAsync("background-color", LightBackground);
    }

    [Fact]
    public async Task A_light_system_gets_the_light_console_and_the_toggle_darkens_it()
    {
        await using var console = await fixture.Open("/console", "Agents", ColorScheme.Light);
        var body = console.Page.Locator("body");
        await Expect(console.Page.GetByTestId("theme-toggle")).ToHaveAttributeAsync("aria-label", "Switch to dark mode");
        await Expect(body).ToHaveCSSAsync("background-color", LightBackground);

        await console.Page.GetByTestId("theme-toggle").ClickAsync();

        await Expect(body).ToHaveCSSAsync("background-color", DarkBackground);
    }

    private static string Css(MudBlazor.Utilities.MudColor color) =>
        color.A == 255 ? $"rgb({color.R}, {color.G}, {color.B})" : $"rgba({color.R}, {color.G}, {color.B}, {color.APercentage})";
}
