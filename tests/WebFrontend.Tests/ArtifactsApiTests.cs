using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;

namespace Orleans.AgentChannel.WebFrontend.Tests;

/// <summary>
/// Issue 26.6, on both engines (PostgreSQL skipped without AGENTCHANNEL_TEST_POSTGRES): artifacts uploaded raw or as
/// multipart, attached to a message or a task result, downloaded byte for byte by their audience only, refused over the
/// size limit with nothing left behind, and deleted by the retention sweep.
/// </summary>
public sealed class ArtifactsApiTests
{
    public static TheoryData<string> Engines => EngineServer.Engines;

    [Theory(Timeout = 120_000), MemberData(nameof(Engines))]
    public async Task An_artifact_attached_to_a_message_reaches_its_recipient_byte_for_byte_and_no_one_else(string engine)
    {
        await using var host = await EngineServer.Start(engine);
        var server = host.Server;
        var (sender, senderHttp) = await Register(server, "art-sender");
        var (recipient, recipientHttp) = await Register(server, "art-recipient");
        var (_, outsiderHttp) = await Register(server, "art-outsider");
        // Three chunks, the last one short: the server stores it in pieces and must give back the same bytes.
        var bytes = RandomNumberGenerator.GetBytes(2 * 256 * 1024 + 1234);

        var uploaded = await UploadRaw(senderHttp, "data.bin", "application/x-test", bytes);
        uploaded.Status.ShouldBe(HttpStatusCode.Created, uploaded.Body?.ToJsonString());
        var artifact = uploaded.Json;
        var id = Guid.Parse(artifact["id"]!.GetValue<string>());
        artifact["name"]!.GetValue<string>().ShouldBe("data.bin");
        artifact["content_type"]!.GetValue<string>().ShouldBe("application/x-test");
        artifact["size"]!.GetValue<long>().ShouldBe(bytes.Length);
        artifact["sha256"]!.GetValue<string>().ShouldBe(Convert.ToHexStringLower(SHA256.HashData(bytes)));
        artifact["owner"]!.GetValue<string>().ShouldBe(sender);
        (await host.Rows("artifact_chunks", "artifact_id", id)).ShouldBe(3);

        // Not attached yet: the uploader's alone.
        (await recipientHttp.Get($"/api/artifacts/{id}")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");

        var sent = await senderHttp.Post("/api/messages", new { content = "the data", recipients = new[] { recipient }, artifacts = new[] { id } });
        sent.Status.ShouldBe(HttpStatusCode.Created, sent.Body?.ToJsonString());
        sent.Json["artifacts"]!.AsArray().Select(node => node!.GetValue<string>()).ShouldBe([id.ToString()]);
        var messageId = sent.Json["id"]!.GetValue<string>();
        (await recipientHttp.Get($"/api/messages/{messageId}")).Json["artifacts"]![0]!.GetValue<string>().ShouldBe(id.ToString());

        using var download = await recipientHttp.GetAsync($"/api/artifacts/{id}/content", TestContext.Current.CancellationToken);
        download.StatusCode.ShouldBe(HttpStatusCode.OK);
        download.Content.Headers.ContentType!.MediaType.ShouldBe("application/x-test");
        download.Content.Headers.ContentLength.ShouldBe(bytes.Length);
        download.Headers.GetValues("Repr-Digest").Single().ShouldBe($"sha-256=:{Convert.ToBase64String(SHA256.HashData(bytes))}:");
        download.Content.Headers.ContentDisposition!.DispositionType.ShouldBe("attachment");
        (await download.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).ShouldBe(bytes);

        // Outside the message's audience: forbidden, for the record and the bytes alike.
        (await outsiderHttp.Get($"/api/artifacts/{id}")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await outsiderHttp.Get($"/api/artifacts/{id}/content")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        // Nor can it attach the artifact to a message of its own to get at it: the message is refused and not stored.
        (await outsiderHttp.Post("/api/messages", new { content = "mine now", recipients = new[] { sender }, artifacts = new[] { id } }))
            .ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        (await host.Rows("artifact_messages", "artifact_id", id)).ShouldBe(1);
        using var asOperator = server.Client(AgentChannelServer.OperatorToken);
        (await asOperator.Get($"/api/artifacts/{id}")).Status.ShouldBe(HttpStatusCode.OK);
        (await senderHttp.Get($"/api/artifacts/{Guid.NewGuid()}")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Theory(Timeout = 120_000), MemberData(nameof(Engines))]
    public async Task A_multipart_upload_attached_to_a_task_result_is_read_by_the_tasks_parties(string engine)
    {
        await using var host = await EngineServer.Start(engine);
        var server = host.Server;
        var (creator, creatorHttp) = await Register(server, "art-creator");
        var (worker, workerHttp) = await Register(server, "art-worker");
        var (_, outsiderHttp) = await Register(server, "art-outsider");
        var created = await creatorHttp.Post("/api/tasks", new { title = "make a report", assign_to = worker });
        created.Status.ShouldBe(HttpStatusCode.Created, created.Body?.ToJsonString());
        var taskId = created.Json["id"]!.GetValue<string>();
        var report = "{\"rows\": 3}"u8.ToArray();

        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(report);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        form.Add(file, "file", "report.json");
        using var response = await workerHttp.PostAsync("/api/artifacts", form, TestContext.Current.CancellationToken);
        var uploaded = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!;
        response.StatusCode.ShouldBe(HttpStatusCode.Created, uploaded.ToJsonString());
        uploaded["name"]!.GetValue<string>().ShouldBe("report.json");
        uploaded["content_type"]!.GetValue<string>().ShouldBe("application/json");
        var id = uploaded["id"]!.GetValue<string>();

        var completed = await workerHttp.Post($"/api/tasks/{taskId}/complete", new { result = new { ok = true }, artifacts = new[] { id } });
        completed.Status.ShouldBe(HttpStatusCode.OK, completed.Body?.ToJsonString());
        completed.Json["artifacts"]![0]!.GetValue<string>().ShouldBe(id);
        (await creatorHttp.Get($"/api/tasks/{taskId}")).Json["artifacts"]![0]!.GetValue<string>().ShouldBe(id);

        using var download = await creatorHttp.GetAsync($"/api/artifacts/{id}/content", TestContext.Current.CancellationToken);
        download.StatusCode.ShouldBe(HttpStatusCode.OK);
        download.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
        (await download.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken)).ShouldBe(report);
        (await outsiderHttp.Get($"/api/artifacts/{id}/content")).ShouldBeProblem(HttpStatusCode.Forbidden, "forbidden");
        _ = creator;
    }

    [Theory(Timeout = 120_000), MemberData(nameof(Engines))]
    public async Task An_upload_over_the_limit_is_refused_with_413_and_leaves_no_rows(string engine)
    {
        const int limit = 600 * 1024;
        await using var host = await EngineServer.Start(engine, new Dictionary<string, string?> { ["AgentChannel:Artifacts:MaxBytes"] = $"{limit}" });
        var (_, http) = await Register(host.Server, "art-big");
        var tooBig = RandomNumberGenerator.GetBytes(limit + 300 * 1024);

        // A declared length over the limit: refused before a byte is stored.
        (await UploadRaw(http, "big.bin", "application/octet-stream", tooBig)).ShouldBeProblem(HttpStatusCode.RequestEntityTooLarge, "too_large");

        // No declared length (chunked): two chunks are stored before the limit is crossed, and then removed.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/artifacts?name=big.bin")
        {
            Content = new StreamContent(new ForwardOnlyStream(tooBig)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        response.StatusCode.ShouldBe(HttpStatusCode.RequestEntityTooLarge);

        // Exactly at the limit is fine.
        (await UploadRaw(http, "fits.bin", "application/octet-stream", tooBig[..limit])).Status.ShouldBe(HttpStatusCode.Created);
        await Poll.Until(async () => await host.Rows("artifact_uploads") == 0, "the refused uploads' records to go");
        (await host.Rows("artifacts")).ShouldBe(1);
        (await host.Rows("artifact_chunks")).ShouldBe((limit + 256 * 1024 - 1) / (256 * 1024));
    }

    [Theory(Timeout = 120_000)]
    [InlineData("multipart/form-data; boundary=")]
    [InlineData("multipart/form-data; boundary=xyz")]
    public async Task A_malformed_multipart_body_is_400_and_stores_nothing(string contentType)
    {
        await using var host = await EngineServer.Start("sqlite");
        var (_, http) = await Register(host.Server, "art-malformed");
        // No closing boundary: the reader runs out of body inside the part.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/artifacts?name=a.txt")
        {
            Content = new ByteArrayContent("--xyz\r\nContent-Disposition: form-data\r\n\r\nhi\r\n"u8.ToArray()),
        };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await host.Rows("artifacts")).ShouldBe(0);
    }

    [Theory(Timeout = 120_000), MemberData(nameof(Engines))]
    public async Task Retention_deletes_old_artifacts_with_their_chunks_and_links(string engine)
    {
        await using var host = await EngineServer.Start(engine, new Dictionary<string, string?>
        {
            // About two seconds.
            ["AgentChannel:Artifacts:RetentionDays"] = "0.000025",
            ["AgentChannel:Artifacts:SweepSeconds"] = "0.2",
        });
        var (_, senderHttp) = await Register(host.Server, "art-old");
        var (recipient, recipientHttp) = await Register(host.Server, "art-reader");
        var uploaded = await UploadRaw(senderHttp, "old.txt", "text/plain", "soon gone"u8.ToArray());
        var id = Guid.Parse(uploaded.Json["id"]!.GetValue<string>());
        (await senderHttp.Post("/api/messages", new { content = "see file", recipients = new[] { recipient }, artifacts = new[] { id } }))
            .Status.ShouldBe(HttpStatusCode.Created);
        (await recipientHttp.Get($"/api/artifacts/{id}")).Status.ShouldBe(HttpStatusCode.OK);

        await Poll.Until(async () => (await recipientHttp.Get($"/api/artifacts/{id}")).Status == HttpStatusCode.NotFound,
            "the artifact to pass its retention", TimeSpan.FromSeconds(30));
        (await host.Rows("artifacts", "id", id)).ShouldBe(0);
        await Poll.Until(async () => await host.Rows("artifact_chunks", "artifact_id", id) == 0, "its chunks to go");
        (await host.Rows("artifact_messages", "artifact_id", id)).ShouldBe(0);
        (await recipientHttp.Get($"/api/artifacts/{id}/content")).ShouldBeProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_websocket_send_carries_artifact_ids_to_the_recipients_inbox()
    {
        await using var host = await EngineServer.Start("sqlite");
        var server = host.Server;
        var (sender, senderHttp) = await Register(server, "art-ws");
        var (recipient, recipientHttp) = await Register(server, "art-wsr");
        var id = (await UploadRaw(senderHttp, "note.txt", "text/plain", "hello"u8.ToArray())).Json["id"]!.GetValue<string>();
        await using var socket = await WsClient.Connect(server);
        await socket.Register(new { token = senderHttp.DefaultRequestHeaders.Authorization!.Parameter });

        var ack = await socket.Ack("message:send", new { content = "see note", recipients = new[] { recipient }, artifacts = new[] { id } });
        ack["artifacts"]![0]!.GetValue<string>().ShouldBe(id);
        var inbox = await recipientHttp.Get("/api/events/poll?wait_seconds=5");
        inbox.Status.ShouldBe(HttpStatusCode.OK, inbox.Body?.ToJsonString());
        inbox.Json.ToJsonString().ShouldContain(id);
        (await recipientHttp.GetByteArrayAsync($"/api/artifacts/{id}/content", TestContext.Current.CancellationToken)).ShouldBe("hello"u8.ToArray());
    }

    private static async Task<(string Name, HttpClient Http)> Register(AgentChannelServer server, string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        using var anonymous = server.Client();
        var response = await anonymous.Post("/api/agents/register", new { name, type = "llm" });
        response.Status.ShouldBe(HttpStatusCode.Created, response.Body?.ToJsonString());
        return (name, server.Client(response.Json["token"]!.GetValue<string>()));
    }

    private static Task<ApiResponse> UploadRaw(HttpClient http, string name, string contentType, byte[] bytes) =>
        http.Send(HttpMethod.Post, $"/api/artifacts?name={Uri.EscapeDataString(name)}", configure: request =>
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        });

    /// <summary>A body of unknown length: the client sends it chunked, so the server learns its size only by reading it.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;
    }
}
