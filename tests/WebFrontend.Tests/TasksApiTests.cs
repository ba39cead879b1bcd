using System.Net;

namespace Orleans.AgentChannel.WebFrontend.Tests;

public sealed class TasksApiTests(ServerFixture fixture)
{
    /// <summary>Requirements no agent meets, so the engine leaves the task waiting.</summary>
    private static object Unassignable() => new { capabilities = new[] { $"held-by-nobody-{Guid.NewGuid():N}" } };

    [Theory]
    [InlineData("/api/tasks?limit=abc", "limit", "'limit' must be an integer.")]
    [InlineData("/api/tasks?priority=99999999999", "priority", "'priority' must be an integer.")]
    [InlineData("/api/messages?since=zz", "since", "'since' must be an ISO 8601 time, such as 2030-01-01T00:00:00Z.")]
    public async Task A_query_value_that_does_not_parse_is_400_naming_the_parameter(string path, string field, string detail)
    {
        var agent = await fixture.Register("unparsed");

        var refused = await agent.Http.Get(path);

        refused.ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", field);
        refused.Json["detail"]!.GetValue<string>().ShouldBe(detail);
    }

    [Fact]
    public async Task A_body_that_is_json_but_not_an_object_is_400_saying_so_without_naming_a_dotnet_type()
    {
        var agent = await fixture.Register("notobject");

        var array = await agent.Http.Post("/api/tasks", "[]");
        var broken = await agent.Http.Post("/api/tasks", "{");

        array.ShouldBeProblem(HttpStatusCode.BadRequest, "invalid");
        array.Json["detail"]!.GetValue<string>().ShouldBe("The request must be a JSON object.");
        broken.ShouldBeProblem(HttpStatusCode.BadRequest, "invalid");
        broken.Json["detail"]!.GetValue<string>().ShouldStartWith("The request is not valid JSON");
        (await fixture.Operator.Get($"/api/tasks?creator={agent.Name}")).Json["items"]!.AsArray().ShouldBeEmpty();
    }

    [Fact]
    public async Task The_seed_task_flow_creates_assigns_updates_and_completes_over_http()
    {
        var creator = await fixture.Register("research");
        var worker = await fixture.Register("analysis", "analysis");

        var created = await creator.Http.Post("/api/tasks", new
        {
            title = "Analyze data",
            description = "Process the dataset",
            priority = 1,
            due_date = "2030-01-01T00:00:00Z",
            requirements = new { capabilities = new[] { "analysis" } },
            assign_to = worker.Name,
            creator = worker.Name,
        });
        created.Status.ShouldBe(HttpStatusCode.Created);
        var id = created.Json["id"]!.GetValue<string>();
        created.Raw.Headers.Location!.ToString().ShouldBe($"/api/tasks/{id}");
        created.Json["creator"]!.GetValue<string>().ShouldBe(creator.Name);
        created.Json["status"]!.GetValue<string>().ShouldBe("assigned");
        created.Json["assigned_to"]!.GetValue<string>().ShouldBe(worker.Name);
        created.Json["requirements"]!["capabilities"]![0]!.GetValue<string>().ShouldBe("analysis");
        created.Json["due_date"]!.GetValue<DateTimeOffset>().ShouldBe(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));

        var started = await worker.Http.Put($"/api/tasks/{id}", new { status = "in_progress" });
        started.Status.ShouldBe(HttpStatusCode.OK);
        started.Json["status"]!.GetValue<string>().ShouldBe("in_progress");

        var edited = await creator.Http.Put($"/api/tasks/{id}", new { priority = 2, description = "Process it all" });
        edited.Json["priority"]!.GetValue<int>().ShouldBe(2);
        edited.Json["title"]!.GetValue<string>().ShouldBe("Analyze data");

        var completed = await worker.Http.Post($"/api/tasks/{id}/complete", new { result = new { rows = 42 } });
        completed.Status.ShouldBe(HttpStatusCode.OK);
        completed.Json["status"]!.GetValue<string>().ShouldBe("completed");
        completed.Json["result"]!["rows"]!.GetValue<int>().ShouldBe(42);
        completed.Json["completed_at"].ShouldNotBeNull();
        var assignment = completed.Json["assignments"]!.AsArray().Single()!;
        assignment["agent"]!.GetValue<string>().ShouldBe(worker.Name);
        assignment["status"]!.GetValue<string>().ShouldBe("completed");

        (await creator.Http.Get($"/api/tasks/{id}")).Json["status"]!.GetValue<string>().ShouldBe("completed");
        (await worker.Http.Post($"/api/tasks/{id}/complete", new { })).ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
    }

    [Fact]
    public async Task Assign_and_complete_check_who_is_asking()
    {
        var creator = await fixture.Register("boss");
        var special = $"special-{Guid.NewGuid():N}";
        var worker = await fixture.Register("worker", special);
        var stranger = await fixture.Register("stranger");
        // Busy agents get nothing from the engine: only an explicit assignment reaches the worker.
        (await worker.Http.Put($"/api/agents/{worker.Name}/status", new { status = "busy" })).Status.ShouldBe(HttpStatusCode.OK);
        var id = (await creator.Http.Post("/api/tasks", new { title = "t", requirements = new { capabilities = new[] { special } } }))
            .Json["id"]!.GetValue<string>();

        (await stranger.Http.Post($"/api/tasks/{id}/assign", new { agent = stranger.Name })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        var assigned = await creator.Http.Post($"/api/tasks/{id}/assign", new { agent = worker.Name });
        assigned.Status.ShouldBe(HttpStatusCode.OK);
        assigned.Json["assigned_to"]!.GetValue<string>().ShouldBe(worker.Name);

        (await stranger.Http.Post($"/api/tasks/{id}/complete", new { })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await creator.Http.Post($"/api/tasks/{id}/complete", new { })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await stranger.Http.Put($"/api/tasks/{id}", new { title = "mine" })).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await creator.Http.Get($"/api/tasks/{id}")).Json["title"]!.GetValue<string>().ShouldBe("t");
    }

    [Fact]
    public async Task Task_errors_are_problem_details_and_change_nothing()
    {
        var creator = await fixture.Register("errs");
        var id = (await creator.Http.Post("/api/tasks", new { title = "t", requirements = Unassignable() })).Json["id"]!.GetValue<string>();

        (await creator.Http.Post("/api/tasks", new { description = "no title" })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "title");
        (await creator.Http.Post("/api/tasks", new { title = "t", priority = "high" })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "priority");
        (await creator.Http.Post("/api/tasks", new { title = "t", priority = 0 })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "priority");
        (await creator.Http.Post("/api/tasks", new { title = "t", assign_to = "ghost-worker" })).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await creator.Http.Post("/api/tasks", new { title = "t", due_date = "tomorrow" })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "due_date");
        (await creator.Http.Get($"/api/tasks/{Guid.NewGuid()}")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await creator.Http.Get("/api/tasks/xyz")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await creator.Http.Get("/api/tasks?cursor=AAAAAAAAAAA")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "cursor");
        (await creator.Http.Put($"/api/tasks/{Guid.NewGuid()}", new { title = "x" })).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await creator.Http.Post($"/api/tasks/{id}/assign", new { })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "agent");
        (await creator.Http.Post($"/api/tasks/{id}/assign", new { agent = "ghost-worker" })).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
        (await creator.Http.Put($"/api/tasks/{id}", new { status = "completed" })).ShouldBeProblem(HttpStatusCode.Conflict, "conflict");
        (await creator.Http.Put($"/api/tasks/{id}", new { status = "done" })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "status");
        (await creator.Http.Put($"/api/tasks/{id}", "[1,2")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid");
        (await fixture.Anonymous.Post("/api/tasks", new { title = "t" })).ShouldBeProblem(HttpStatusCode.Unauthorized, "unauthorized");

        var unchanged = await creator.Http.Get($"/api/tasks/{id}");
        unchanged.Json["status"]!.GetValue<string>().ShouldBe("pending");
        (await creator.Http.Get($"/api/tasks?creator={creator.Name}")).Json["items"]!.AsArray().Count.ShouldBe(1);
    }

    [Fact]
    public async Task Values_of_another_type_than_documented_are_400_naming_the_field_and_change_nothing()
    {
        var agent = await fixture.Register("types");
        var id = (await agent.Http.Post("/api/tasks", new { title = "t", priority = 2, requirements = Unassignable() })).Json["id"]!.GetValue<string>();
        var key = $"types-{Guid.NewGuid():N}";
        (await agent.Http.Post("/api/memory", new { key, value = 1 })).Status.ShouldBe(HttpStatusCode.Created);

        var numberAsString = await agent.Http.Post("/api/tasks", """{"title": "t", "priority": "2"}""");
        numberAsString.ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "priority");
        numberAsString.Json["detail"]!.GetValue<string>().ShouldBe("'priority' must be an integer.");
        (await agent.Http.Post("/api/tasks", """{"title": "t", "priority": null}""")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "priority");
        (await agent.Http.Put($"/api/tasks/{id}", """{"priority": "1"}""")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "priority");
        (await agent.Http.Put($"/api/tasks/{id}", """{"status": "IN_PROGRESS"}""")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "status");
        (await agent.Http.Put($"/api/memory/{key}", """{"value": 2, "ttl_seconds": "10"}""")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "ttl_seconds");
        (await agent.Http.Put($"/api/memory/{key}", """{"value": 2, "expected_version": "1"}""")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "expected_version");
        (await agent.Http.Put($"/api/memory/{key}", """{"value": 2, "expected_version": null}""")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "expected_version");
        var shouted = await agent.Http.Put($"/api/agents/{agent.Name}/status", """{"status": "OFFLINE"}""");
        shouted.ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "status");
        shouted.Json["detail"]!.GetValue<string>().ShouldBe("'status' must be one of: online, busy, offline.");
        (await agent.Http.Post($"/api/agents/{agent.Name}/heartbeat", """{"status": "Busy"}""")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "status");

        var task = (await agent.Http.Get($"/api/tasks/{id}")).Json;
        task["priority"]!.GetValue<int>().ShouldBe(2);
        task["status"]!.GetValue<string>().ShouldBe("pending");
        (await agent.Http.Get($"/api/tasks?creator={agent.Name}")).Json["items"]!.AsArray().Count.ShouldBe(1);
        var entry = (await agent.Http.Get($"/api/memory/{key}")).Json;
        entry["version"]!.GetValue<long>().ShouldBe(1);
        entry["expires_at"].ShouldBeNull();
        (await agent.Http.Get($"/api/agents/{agent.Name}")).Json["status"]!.GetValue<string>().ShouldBe("online");

        // The documented lower-case values and numbers still work.
        (await agent.Http.Put($"/api/tasks/{id}", new { priority = 1 })).Json["priority"]!.GetValue<int>().ShouldBe(1);
        (await agent.Http.Put($"/api/agents/{agent.Name}/status", new { status = "busy" })).Json["status"]!.GetValue<string>().ShouldBe("busy");
    }

    [Fact]
    public async Task List_filters_by_status_assignee_creator_priority_and_pages()
    {
        var creator = await fixture.Register("lister");
        var own = ServerFixture.OwnCapability();
        var worker = await fixture.Register("listed", own);
        for (var i = 0; i < 4; i++)
        {
            (await creator.Http.Post("/api/tasks", new { title = $"task {i}", priority = i < 2 ? 1 : 4, assign_to = i % 2 == 0 ? worker.Name : null,
                    requirements = i % 2 == 0 ? new { capabilities = new[] { own } } : Unassignable() }))
                .Status.ShouldBe(HttpStatusCode.Created);
        }

        var page = await creator.Http.Get($"/api/tasks?creator={creator.Name}&limit=3");
        page.Json["items"]!.AsArray().Select(t => t!["title"]!.GetValue<string>()).ShouldBe(["task 3", "task 2", "task 1"]);
        var rest = await creator.Http.Get($"/api/tasks?creator={creator.Name}&limit=3&cursor={Uri.EscapeDataString(page.Json["next_cursor"]!.GetValue<string>())}");
        rest.Json["items"]!.AsArray().Select(t => t!["title"]!.GetValue<string>()).ShouldBe(["task 0"]);
        rest.Json["next_cursor"].ShouldBeNull();

        (await creator.Http.Get($"/api/tasks?assignee={worker.Name}")).Json["items"]!.AsArray().Count.ShouldBe(2);
        (await creator.Http.Get($"/api/tasks?creator={creator.Name}&status=pending")).Json["items"]!.AsArray().Count.ShouldBe(2);
        (await creator.Http.Get($"/api/tasks?creator={creator.Name}&priority=4")).Json["items"]!.AsArray()
            .Select(t => t!["title"]!.GetValue<string>()).ShouldBe(["task 3", "task 2"]);
        (await creator.Http.Get("/api/tasks?status=nope")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid");
        var agents = await creator.Http.Get($"/api/agents?capability=");
        agents.Status.ShouldBe(HttpStatusCode.OK);
        (await creator.Http.Get($"/api/agents/{worker.Name}")).Status.ShouldBe(HttpStatusCode.OK);
        var listing = (await creator.Http.Get("/api/agents")).Json["items"]!.AsArray().Single(a => a!["name"]!.GetValue<string>() == worker.Name)!;
        listing["active_task_count"]!.GetValue<int>().ShouldBe(2);
    }

    [Fact]
    public async Task Claim_hands_the_most_urgent_capable_task_to_the_caller_and_204_when_none_is_left()
    {
        var skill = $"claimable-{Guid.NewGuid():N}";
        var creator = await fixture.Register("claim-boss");
        var worker = await fixture.Register("claimer", skill);
        (await worker.Http.Put($"/api/agents/{worker.Name}/status", new { status = "busy" })).Status.ShouldBe(HttpStatusCode.OK);
        var low = await creator.Http.Post("/api/tasks", new { title = "later", priority = 5, requirements = new { capabilities = new[] { skill } } });
        var high = await creator.Http.Post("/api/tasks", new { title = "now", priority = 1, requirements = new { capabilities = new[] { skill } } });

        var first = await worker.Http.Post("/api/tasks/claim");
        first.Status.ShouldBe(HttpStatusCode.OK);
        first.Json["id"]!.GetValue<string>().ShouldBe(high.Json["id"]!.GetValue<string>());
        first.Json["assigned_to"]!.GetValue<string>().ShouldBe(worker.Name);
        (await worker.Http.Post("/api/tasks/claim")).Json["id"]!.GetValue<string>().ShouldBe(low.Json["id"]!.GetValue<string>());
        (await worker.Http.Post("/api/tasks/claim")).Status.ShouldBe(HttpStatusCode.NoContent);
        (await fixture.Operator.Post("/api/tasks/claim")).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid");
        (await creator.Http.Post("/api/tasks", new { title = "t", depends_on = new[] { Guid.NewGuid() } })).ShouldBeProblem(HttpStatusCode.BadRequest, "invalid", "depends_on");
    }

    [Fact]
    public async Task Open_tasks_past_their_due_date_are_flagged_overdue_and_closed_ones_are_not()
    {
        var creator = await fixture.Register("due");
        var late = await creator.Http.Post("/api/tasks", new { title = "late", due_date = DateTimeOffset.UtcNow.AddMinutes(-5), requirements = Unassignable() });
        var timely = await creator.Http.Post("/api/tasks", new { title = "timely", due_date = DateTimeOffset.UtcNow.AddDays(1), requirements = Unassignable() });

        (await creator.Http.Get($"/api/tasks/{late.Json["id"]}")).Json["overdue"]!.GetValue<bool>().ShouldBeTrue();
        var listed = (await creator.Http.Get($"/api/tasks?creator={creator.Name}")).Json["items"]!.AsArray();
        listed.Single(t => t!["title"]!.GetValue<string>() == "late")!["overdue"]!.GetValue<bool>().ShouldBeTrue();
        listed.Single(t => t!["title"]!.GetValue<string>() == "timely")!["overdue"]!.GetValue<bool>().ShouldBeFalse();

        (await creator.Http.Put($"/api/tasks/{late.Json["id"]}", new { status = "cancelled" })).Json["overdue"]!.GetValue<bool>().ShouldBeFalse();
        timely.Json["overdue"]!.GetValue<bool>().ShouldBeFalse();
    }

    [Fact]
    public async Task A_stale_assignment_id_is_409_lease_lost_over_http_and_changes_nothing()
    {
        var creator = await fixture.Register("fence-boss");
        var first = await fixture.RegisterBusy("fence-a");
        var second = await fixture.RegisterBusy("fence-b");
        var created = await creator.Http.Post("/api/tasks", new { title = "fenced", assign_to = first.Name });
        var id = created.Json["id"]!.GetValue<string>();
        var firstAssignment = created.Json["assignment_id"]!.GetValue<string>();
        created.Json["assignments"]![0]!["id"]!.GetValue<string>().ShouldBe(firstAssignment);
        (await first.Http.Put($"/api/tasks/{id}", new { status = "in_progress", assignment_id = firstAssignment })).Status.ShouldBe(HttpStatusCode.OK);

        var handedOn = await creator.Http.Post($"/api/tasks/{id}/assign", new { agent = second.Name });
        var secondAssignment = handedOn.Json["assignment_id"]!.GetValue<string>();
        secondAssignment.ShouldNotBe(firstAssignment);

        var refused = (await first.Http.Post($"/api/tasks/{id}/complete", new { result = "late", assignment_id = firstAssignment }))
            .ShouldBeProblem(HttpStatusCode.Conflict, "lease_lost", "assignment_id");
        refused.Json["type"]!.GetValue<string>().ShouldBe("https://agentchannel.dev/errors/lease_lost");
        refused.Json["detail"]!.GetValue<string>().ShouldContain(firstAssignment);
        (await first.Http.Put($"/api/tasks/{id}", new { status = "failed", result = "late", assignment_id = firstAssignment }))
            .ShouldBeProblem(HttpStatusCode.Conflict, "lease_lost", "assignment_id");
        var unchanged = (await creator.Http.Get($"/api/tasks/{id}")).Json;
        unchanged["status"]!.GetValue<string>().ShouldBe("assigned");
        unchanged["result"].ShouldBeNull();
        unchanged["assignment_id"]!.GetValue<string>().ShouldBe(secondAssignment);
        unchanged["updated_at"]!.GetValue<DateTimeOffset>().ShouldBe(handedOn.Json["updated_at"]!.GetValue<DateTimeOffset>());

        // The first worker's inbox says why, over plain HTTP too.
        var events = (await first.Http.Get("/api/events/poll?wait_seconds=0&limit=1000")).Json["events"]!.AsArray();
        var lost = events.Single(e => e!["event"]!.GetValue<string>() == "task:lease_lost")!;
        lost["data"]!["task_id"]!.GetValue<string>().ShouldBe(id);
        lost["data"]!["assignment_id"]!.GetValue<string>().ShouldBe(firstAssignment);
        lost["data"]!["reason"]!.GetValue<string>().ShouldBe("reassigned");
        lost["data"]!["agent"]!.GetValue<string>().ShouldBe(first.Name);

        var done = await second.Http.Post($"/api/tasks/{id}/complete", new { result = "ok", assignment_id = secondAssignment });
        done.Status.ShouldBe(HttpStatusCode.OK);
        done.Json["status"]!.GetValue<string>().ShouldBe("completed");
        done.Json["assignment_id"].ShouldBeNull();
    }
}
