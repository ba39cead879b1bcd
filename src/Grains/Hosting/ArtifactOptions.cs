using System.ComponentModel.DataAnnotations;

namespace Orleans.AgentChannel.Hosting;

/// <summary>
/// Files attached to messages and task results (<c>AgentChannel:Artifacts</c>). A front end in client mode reads the
/// same section: it sets the upload request's body limit from <see cref="MaxBytes"/>, so give it the silos' value.
/// </summary>
public sealed class ArtifactOptions
{
    public const string Section = "AgentChannel:Artifacts";

    /// <summary>The largest artifact accepted, in bytes (an upload over it is refused with 413 and nothing is kept).</summary>
    [Range(1, long.MaxValue)] public long MaxBytes { get; set; } = 25 * 1024 * 1024;

    /// <summary>Artifacts are deleted this many days after their upload; 0 keeps them until deleted.</summary>
    [Range(0, 36_500)] public double RetentionDays { get; set; } = 30;

    /// <summary>How often old artifacts and abandoned uploads are looked for.</summary>
    [Range(0.05, 86_400)] public double SweepSeconds { get; set; } = 60;

    /// <summary>An upload not finished within this long is abandoned: its chunks are deleted by the sweep.</summary>
    [Range(1, 86_400)] public double AbandonedUploadMinutes { get; set; } = 60;
}
