using System.Net;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Orleans.AgentChannel.Console.Tests;

public sealed class MessagesPageTests(ConsoleFixture fixture)
{
    [Fact]
    public async Task A_message_sent_over_REST_appears_live_the_text_filter_narrows_and_the_operator_posts_into_a_channel()
    {
        var talker = await fixture.RegisterAgent("talker");
        var listener = await fixture.RegisterAgent("listener");
        await using var console = await fixture.Open("/console/messages", "Messages");
        var page = console.Page;
        var list = page.GetByTestId("message-list");

        var marker = Guid.NewGuid().ToString("N")[..10];
        await talker.Api.Post("/api/messages", new { content = $"Starting research {marker}", recipients = new[] { listener.Name } }, HttpStatusCode.Created);
        await talker.Api.Post("/api/messages", new { content = $"Unrelated chatter {Guid.NewGuid():N}", recipients = new[] { listener.Name } }, HttpStatusCode.Created);
        await Expect(list.GetByText($"Starting research {marker}")).ToBeVisibleAsync();

        await page.Locator("#filter-text").FillAsync(marker);
        await Expect(list.Locator("[data-message]")).ToHaveCountAsync(1);
        await page.Locator("#filter-text").FillAsync("");

        var channel = $"ops-{marker}";
        var announcement = $"Operator here: please pause {marker}";
        await page.Locator("#post-channel").FillAsync(channel);
        await page.Locator("#post-content").FillAsync(announcement);
        await page.GetByTestId("post-message").ClickAsync();
        await Expect(list.GetByText(announcement)).ToBeVisibleAsync();

        var posted = (await fixture.Operator.Get($"/api/messages?channel={channel}"))["items"]!.AsArray().Single()!;
        posted["content"]!.GetValue<string>().ShouldBe(announcement);
        posted["sender"]!.GetValue<string>().ShouldBe("operator");
        posted["channel"]!.GetValue<string>().ShouldBe(channel);
        await console.Screenshot("messages");
    }

    [Fact]
    public async Task The_operator_sends_to_a_capability_and_the_message_shows_its_role_address_and_who_it_reached()
    {
        var skill = $"role-{Guid.NewGuid():N}"[..13];
        var worker = await fixture.RegisterAgent("roler", skill);
        await using var console = await fixture.Open("/console/messages", "Messages");
        var page = console.Page;
        var list = page.GetByTestId("message-list");

        var content = $"Anyone free for a review? {skill}";
        await page.Locator("#role-capability").FillAsync(skill);
        await page.Locator("#role-content").FillAsync(content);
        await page.GetByTestId("send-role").ClickAsync();

        var card = list.Locator("[data-message]").Filter(new() { HasText = content });
        await Expect(card).ToBeVisibleAsync();
        await Expect(card.GetByTestId("role-address")).ToHaveTextAsync($"any {skill}");
        await Expect(card.GetByText(worker.Name)).ToBeVisibleAsync();
        var sent = (await fixture.Operator.Get($"/api/messages?recipient={worker.Name}"))["items"]!.AsArray().Single()!;
        sent["to_capability"]!.GetValue<string>().ShouldBe(skill);
        sent["mode"]!.GetValue<string>().ShouldBe("any");
        sent["sender"]!.GetValue<string>().ShouldBe("operator");
    }

    [Fact]
    public async Task The_search_box_finds_messages_by_their_words_in_all_history_marks_them_and_says_why_a_query_is_refused()
    {
        var talker = await fixture.RegisterAgent("searcher");
        var listener = await fixture.RegisterAgent("searched");
        var marker = $"quasar{Guid.NewGuid():N}"[..16];
        await talker.Api.Post("/api/messages", new { content = $"Telescope report: the {marker} flared at dawn", recipients = new[] { listener.Name } }, HttpStatusCode.Created);
        await talker.Api.Post("/api/messages", new { content = $"Unrelated chatter {Guid.NewGuid():N}", recipients = new[] { listener.Name } }, HttpStatusCode.Created);
        await using var console = await fixture.Open("/console/messages", "Messages");
        var page = console.Page;
        await page.GetByRole(AriaRole.Tab, new() { Name = "Search" }).ClickAsync();
        var results = page.GetByTestId("search-results");

        await page.Locator("#search-text").FillAsync($"{marker.ToUpperInvariant()} dawn");
        await page.Locator("#search-text").PressAsync("Enter");
        await Expect(results.Locator("[data-hit]")).ToHaveCountAsync(1);
        await Expect(results.Locator("mark").First).ToHaveTextAsync(marker);
        await Expect(results.GetByTestId("search-snippet")).ToHaveTextAsync($"Telescope report: the {marker} flared at dawn");
        await console.Screenshot("messages-search");

        await page.Locator("#search-text").FillAsync($"{marker} dusk");
        await page.GetByTestId("search-run").ClickAsync();
        await Expect(page.GetByTestId("search-empty")).ToBeVisibleAsync();
        await Expect(results.Locator("[data-hit]")).ToHaveCountAsync(0);

        await page.Locator("#search-text").FillAsync("\"(*)\"");
        await page.GetByTestId("search-run").ClickAsync();
        await Expect(page.GetByTestId("search-problem")).ToContainTextAsync("no word to search for");
    }

    [Fact]
    public async Task A_task_thread_shows_its_messages_live_and_the_operator_writes_into_it()
    {
        var creator = await fixture.RegisterAgent("creator");
        var worker = await fixture.RegisterAgent("doer");
        var task = await creator.Api.Post("/api/tasks", new { title = $"Threaded {Guid.NewGuid():N}", assign_to = worker.Name }, HttpStatusCode.Created);
        var taskId = task["id"]!.GetValue<string>();
        await worker.Api.Post("/api/messages", new { content = "Question about the data", task_id = taskId }, HttpStatusCode.Created);

        await using var console = await fixture.Open($"/console/messages?task={taskId}", "Messages");
        var page = console.Page;
        var thread = page.GetByTestId("thread-messages");
        await Expect(thread.GetByText("Question about the data")).ToBeVisibleAsync();

        await creator.Api.Post("/api/messages", new { content = "Use the March extract", task_id = taskId }, HttpStatusCode.Created);
        await Expect(thread.GetByText("Use the March extract")).ToBeVisibleAsync();

        await page.Locator("#thread-content").FillAsync("Operator: deadline moved to Friday");
        await page.GetByTestId("post-thread").ClickAsync();
        await Expect(thread.GetByText("Operator: deadline moved to Friday")).ToBeVisibleAsync();
        var fromOperator = (await fixture.Operator.Get($"/api/messages?task_id={taskId}&sender=operator"))["items"]!.AsArray().Single()!;
        fromOperator["content"]!.GetValue<string>().ShouldBe("Operator: deadline moved to Friday");
        fromOperator["recipients"]!.AsArray().Select(name => name!.GetValue<string>()).ShouldBe([creator.Name, worker.Name], ignoreOrder: true);
    }
}
