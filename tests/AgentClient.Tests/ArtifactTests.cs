using System.Security.Cryptography;
using Orleans.AgentChannel.WebFrontend.Tests;

namespace Orleans.AgentChannel.Client.Tests;

/// <summary>Artifacts from C#, through the cluster gateway: streamed up and down, read by the message's audience only.</summary>
public sealed class ArtifactTests(ClusterFixture cluster)
{
    private TestServer Server => cluster.Server;

    [Fact]
    public async Task An_upload_attached_to_a_message_is_downloaded_byte_for_byte_by_its_recipient_and_refused_to_others()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var sender = await Server.Connect(TestServer.Unique("cs-up"));
        await using var recipient = await Server.Connect(TestServer.Unique("cs-down"));
        await using var outsider = await Server.Connect(TestServer.Unique("cs-out"));
        var bytes = RandomNumberGenerator.GetBytes(300 * 1024);

        var artifact = await sender.UploadArtifactAsync(new MemoryStream(bytes), "blob.bin", "application/x-blob", cancel);
        artifact.Size.ShouldBe(bytes.Length);
        artifact.Sha256.ShouldBe(Convert.ToHexStringLower(SHA256.HashData(bytes)));
        artifact.Owner.ShouldBe(sender.Name);
        await Should.ThrowAsync<ForbiddenException>(() => recipient.GetArtifactAsync(artifact.Id, cancel));

        var message = await sender.SendMessageAsync("blob attached", [artifact.Id], recipients: [recipient.Name], cancellationToken: cancel);
        message.Artifacts.ShouldBe([artifact.Id]);
        using var copy = new MemoryStream();
        (await recipient.DownloadArtifactAsync(artifact.Id, copy, cancel)).ContentType.ShouldBe("application/x-blob");
        copy.ToArray().ShouldBe(bytes);
        await Should.ThrowAsync<ForbiddenException>(() => outsider.DownloadArtifactAsync(artifact.Id, new MemoryStream(), cancel));
    }
}
