using Microsoft.AspNetCore.Mvc;
using Orleans.AgentChannel.Idempotency;
using Orleans.AgentChannel.Json;
using Orleans.AgentChannel.Tasks;

namespace Orleans.AgentChannel.WebFrontend.Api;

public static class TasksEndpoints
{
    public static void MapTasks(this RouteGroupBuilder api)
    {
        var tasks = api.MapGroup("/tasks").WithTags("tasks");

        tasks.MapPost("/", async (NewTask? task, [FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext context, IGrainFactory grains, TimeProvider clock) =>
        {
            var (caller, key) = (context.User.Caller(), Endpoints.Key(idempotencyKey));
            var created = await grains.GetGrain<ITaskGrain>(Endpoints.NewTaskId(key, caller, clock))
                .Create(caller, Endpoints.Required(task, "title, description, priority, ..."), key);
            return Results.Created($"/api/tasks/{created.Id}", created);
        });

        tasks.MapGet("/", (string? status, string? assignee, string? creator, int? priority, int? limit, string? cursor,
                IGrainFactory grains) =>
            grains.GetGrain<ITaskDirectoryGrain>(0).List(new TaskQuery(
                AgentChannelJson.ParseWireName<AgentTaskStatus>(status, "status"), Endpoints.NullIfEmpty(assignee),
                Endpoints.NullIfEmpty(creator), priority, limit ?? 50, Endpoints.NullIfEmpty(cursor))));

        tasks.MapGet("/{id}", (string id, IGrainFactory grains) => TaskGrainOf(grains, id).Get());

        // The best waiting task the caller is capable of, assigned to it atomically; 204 when there is none.
        tasks.MapPost("/claim", async ([FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext context, IGrainFactory grains) =>
            await grains.GetGrain<ITaskDirectoryGrain>(0).Claim(context.User.Caller(), Endpoints.Key(idempotencyKey)) is { } claimed
                ? Results.Ok(claimed)
                : Results.NoContent());

        tasks.MapPut("/{id}", (string id, TaskUpdate? update, [FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext context, IGrainFactory grains) =>
            TaskGrainOf(grains, id).Update(context.User.Caller(), Endpoints.Required(update, "the fields to change"), Endpoints.Key(idempotencyKey)));

        tasks.MapPost("/{id}/assign", (string id, AssignRequest? request, [FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext context, IGrainFactory grains) =>
            TaskGrainOf(grains, id).Assign(context.User.Caller(), Endpoints.Required(request, "agent").Agent
                ?? throw Errors.AgentChannelException.Invalid("agent", "'agent' is required."), Endpoints.Key(idempotencyKey)));

        tasks.MapPost("/{id}/complete", (string id, CompleteRequest? request, [FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext context, IGrainFactory grains) =>
            TaskGrainOf(grains, id).Complete(context.User.Caller(), request?.Result, request?.AssignmentId, Endpoints.Key(idempotencyKey), request?.Artifacts));

        // A person in the loop: the assignee asks, the creator or the operator answers, approves or sends back.
        tasks.MapPost("/{id}/request-input", (string id, RequestInputRequest? request, [FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext context, IGrainFactory grains) =>
            TaskGrainOf(grains, id).RequestInput(context.User.Caller(), Endpoints.Required(request, "question").Question ?? "", request?.AssignmentId, Endpoints.Key(idempotencyKey)));

        tasks.MapPost("/{id}/provide-input", (string id, ProvideInputRequest? request, [FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext context, IGrainFactory grains) =>
            TaskGrainOf(grains, id).ProvideInput(context.User.Caller(), Endpoints.Required(request, "answer").Answer ?? "", Endpoints.Key(idempotencyKey)));

        tasks.MapPost("/{id}/approve", (string id, ReviewRequest? request, [FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext context, IGrainFactory grains) =>
            TaskGrainOf(grains, id).Approve(context.User.Caller(), request?.Comment, Endpoints.Key(idempotencyKey)));

        tasks.MapPost("/{id}/send-back", (string id, ReviewRequest? request, [FromHeader(Name = IdempotencyKey.Header)] string? idempotencyKey, HttpContext context, IGrainFactory grains) =>
            TaskGrainOf(grains, id).SendBack(context.User.Caller(), Endpoints.Required(request, "comment").Comment ?? "", Endpoints.Key(idempotencyKey)));
    }

    private static ITaskGrain TaskGrainOf(IGrainFactory grains, string id) =>
        grains.GetGrain<ITaskGrain>(Endpoints.RequireGuid(id, "task"));
}
