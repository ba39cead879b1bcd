using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Orleans.AgentChannel.Bench.Realtime;

namespace Orleans.AgentChannel.Bench;

/// <summary>
/// What does an artifact cost, and what does a large upload do to everyone else? Uploads and downloads of one file
/// over REST (streamed in 256 KiB chunks, each its own write), with the managed heap sampled meanwhile (a file must never
/// be held whole), and the latency of direct messages sent one after another before and during the upload (on SQLite
/// both go through the one writer).
/// </summary>
public static class ArtifactTransfers
{
    public static async Task Run(string[] args)
    {
        var sizes = (args.Length > 0 ? args[0] : "1,24,200").Split(',').Select(size => int.Parse(size, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        // Over the default limit (25 MiB) for the largest size: the setting is read from the environment as in production.
        Environment.SetEnvironmentVariable("AgentChannel__Artifacts__MaxBytes", $"{(sizes.Max() + 1) * 1024L * 1024}");
        await using var server = await BenchServer.Start();
        using var anonymous = new HttpClient { BaseAddress = server.Address };
        using var sender = await Register(server, anonymous, "bench-art-sender");
        using var recipient = await Register(server, anonymous, "bench-art-recipient");
        var recipientName = recipient.DefaultRequestHeaders.GetValues("X-Bench-Agent").Single();
        var engine = BenchServer.Postgres is null ? "SQLite" : "PostgreSQL";

        var idle = await SendFor(sender, recipientName, TimeSpan.FromSeconds(3), until: null);
        Console.WriteLine($"| {engine} | size | upload MB/s | download MB/s | managed heap above live, peak during the upload | message p50 / p99 ms, idle | message p50 / p99 ms, during the upload |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var megabytes in sizes)
        {
            // Generated as it is sent and hashed as it comes back: this process never holds the file either, so the heap
            // it samples is the server's buffers (and the HTTP clients'), not the file.
            var source = new GeneratedStream(megabytes * 1024L * 1024, seed: megabytes);
            using var heap = HeapSampler.Start();
            var clock = Stopwatch.StartNew();
            var uploading = Upload(sender, source);
            var during = await SendFor(sender, recipientName, TimeSpan.FromMinutes(5), until: uploading);
            var id = await uploading;
            var uploadSeconds = clock.Elapsed.TotalSeconds;
            var peak = heap.Stop();

            clock.Restart();
            await using (var download = await sender.GetStreamAsync($"/api/artifacts/{id}/content"))
            {
                var hash = await SHA256.HashDataAsync(download);
                if (!hash.AsSpan().SequenceEqual(source.Sha256()))
                {
                    throw new InvalidOperationException("The download differs from the upload.");
                }
            }
            var downloadSeconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"| | {megabytes} MiB | {megabytes / uploadSeconds:N1} | {megabytes / downloadSeconds:N1} | {peak / (1024.0 * 1024):N0} MiB " +
                              $"| {idle.P50:N2} / {idle.P99:N2} | {during.P50:N2} / {during.P99:N2} ({during.Count} sends) |");
        }
    }

    private static async Task<HttpClient> Register(BenchServer server, HttpClient anonymous, string prefix)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];
        using var response = await anonymous.PostAsJsonAsync("/api/agents/register", new { name, type = "bench" });
        response.EnsureSuccessStatusCode();
        var token = (await response.Content.ReadFromJsonAsync<JsonNode>())!["token"]!.GetValue<string>();
        var client = new HttpClient { BaseAddress = server.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        client.DefaultRequestHeaders.Add("X-Bench-Agent", name);
        return client;
    }

    private static async Task<string> Upload(HttpClient http, GeneratedStream source)
    {
        // Yield first: the sends measured "during" start at once.
        await Task.Yield();
        using var content = new StreamContent(source, 64 * 1024);
        content.Headers.ContentLength = source.Length;
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var response = await http.PostAsync("/api/artifacts?name=bench.bin", content);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonNode>())!["id"]!.GetValue<string>();
    }

    /// <summary>Direct messages one at a time, for <paramref name="duration"/> or until <paramref name="until"/> ends.</summary>
    private static async Task<(double P50, double P99, int Count)> SendFor(HttpClient http, string recipient, TimeSpan duration, Task? until)
    {
        var latencies = new List<double>();
        var end = Stopwatch.StartNew();
        while (end.Elapsed < duration && until is not { IsCompleted: true })
        {
            var sent = Stopwatch.StartNew();
            using var response = await http.PostAsJsonAsync("/api/messages", new { content = "ping", recipients = new[] { recipient } });
            response.EnsureSuccessStatusCode();
            latencies.Add(sent.Elapsed.TotalMilliseconds);
        }
        latencies.Sort();
        double At(double quantile) => latencies.Count == 0 ? double.NaN : latencies[(int)Math.Min(latencies.Count - 1, quantile * latencies.Count)];
        return (At(0.50), At(0.99), latencies.Count);
    }

    /// <summary>Pseudo-random bytes of a given length, made as they are read, hashed on the way.</summary>
    private sealed class GeneratedStream(long length, int seed) : Stream
    {
        private readonly Random _random = new(seed);
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private long _position;
        private byte[]? _final;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        /// <summary>The hash of everything read, once it was read to its end (the stream is disposed by then).</summary>
        public byte[] Sha256() => _final ?? throw new InvalidOperationException("Not read to its end.");

        public override int Read(byte[] buffer, int offset, int count)
        {
            var take = (int)Math.Min(count, length - _position);
            var span = buffer.AsSpan(offset, take);
            _random.NextBytes(span);
            _hash.AppendData(span);
            _position += take;
            if (_position == length)
            {
                _final ??= _hash.GetCurrentHash();
            }
            return take;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hash.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// How far the managed heap rose above what was live before (sampled every 5 ms) while it runs: garbage included
    /// (256 KiB chunks are large objects, freed only by a full collection), so an upper bound on what was held.
    /// </summary>
    private sealed class HeapSampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<long> _sampling;
        private readonly long _live;

        private HeapSampler()
        {
            _live = GC.GetTotalMemory(forceFullCollection: true);
            _sampling = Task.Run(async () =>
            {
                var peak = 0L;
                while (!_stop.IsCancellationRequested)
                {
                    peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                    await Task.Delay(5);
                }
                return peak;
            });
        }

        public static HeapSampler Start() => new();

        public long Stop()
        {
            _stop.Cancel();
            return _sampling.GetAwaiter().GetResult() - _live;
        }

        public void Dispose() => _stop.Dispose();
    }
}
