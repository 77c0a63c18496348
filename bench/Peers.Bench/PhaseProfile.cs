using Platform.Bench;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace Platform.Peers.Bench;

/// <summary>One Platform capture as the client saw it: the job, when it was submitted and when its last result arrived.</summary>
internal sealed record PlatformCapture(Guid Id, Uri Url, DateTimeOffset Submitted, DateTimeOffset Done);

/// <summary>
/// Where a Platform capture's time goes, from the client's clock, the job's own timestamps in PostgreSQL and the Scraper's
/// capture timelines (<c>GET /captures/stats</c>): median milliseconds per phase, from submit to the last result downloaded.
/// The machine is one: the three clocks are the same clock.
/// </summary>
internal static class PhaseProfile
{
    public static async Task PrintAsync(string title, string postgres, IEnumerable<Uri> scrapers, IReadOnlyCollection<PlatformCapture> captures)
    {
        var replicas = scrapers.ToList();
        var jobs = await JobTimesAsync(postgres, captures);
        var timelines = await TimelinesAsync(replicas);
        var phases = new Dictionary<string, List<double>>();
        var byScraper = new int[replicas.Count];
        void Add(string phase, long from, long to)
        {
            if (from > 0 && to > 0)
            {
                (phases.TryGetValue(phase, out var list) ? list : phases[phase] = []).Add(to - from);
            }
        }
        foreach (var capture in captures)
        {
            if (!jobs.TryGetValue(capture.Id, out var job))
            {
                continue;
            }
            // This job's capture: the same URL, its host slot taken while the job ran (the Scraper logs no job ids).
            var timeline = timelines
                .Where(t => t.Url == capture.Url.AbsoluteUri && t.HostSlotAt >= job.Started - 5 && t.HostSlotAt <= job.Finished + 5)
                .OrderBy(t => t.HostSlotAt)
                .FirstOrDefault();
            Add("submit → job stored", capture.Submitted.ToUnixTimeMilliseconds(), job.Created);
            Add("job stored → claimed", job.Created, job.Started);
            if (timeline is not null)
            {
                byScraper[timeline.Scraper]++;
                Add("claimed → Scraper host slot", job.Started, timeline.HostSlotAt);
                Add("host slot → page open", timeline.HostSlotAt, timeline.PageOpenedAt);
                Add("page open → loaded", timeline.PageOpenedAt, timeline.LoadedAt);
                Add("loaded → outputs written", timeline.LoadedAt, timeline.OutputsAt);
                Add("outputs written → stream ended", timeline.OutputsAt, timeline.StreamEndedAt);
                Add("stream ended → page closed", timeline.StreamEndedAt, timeline.PageClosedAt);
                Add("stream ended → job finished", timeline.StreamEndedAt, job.Finished);
            }
            Add("job finished → client has results", job.Finished, capture.Done.ToUnixTimeMilliseconds());
            Add("total (client)", capture.Submitted.ToUnixTimeMilliseconds(), capture.Done.ToUnixTimeMilliseconds());
        }
        Console.WriteLine($"  where a Platform capture's time goes ({title}, {captures.Count} pages; median ms):");
        foreach (var (phase, values) in phases)
        {
            values.Sort();
            Console.WriteLine($"    {phase,-36} {Stats.Percentile(values, 0.5),7:0}   (p95 {Stats.Percentile(values, 0.95):0})");
        }
        // Packed onto one browser, or spread over both (each browser running costs CPU of its own).
        Console.WriteLine($"    captures by Scraper replica: {string.Join(", ", byScraper.Select((n, i) => $"#{i + 1} {n}"))}");
    }

    private sealed record JobTimes(long Created, long Started, long Finished);

    private sealed record Timeline(int Scraper, string? Url, long HostSlotAt, long PageOpenedAt, long LoadedAt, long OutputsAt, long StreamEndedAt, long PageClosedAt);

    private static async Task<Dictionary<Guid, JobTimes>> JobTimesAsync(string postgres, IReadOnlyCollection<PlatformCapture> captures)
    {
        await using var db = NpgsqlDataSource.Create(postgres);
        await using var command = db.CreateCommand(
            "SELECT id, (extract(epoch FROM created_at) * 1000)::bigint, (extract(epoch FROM started_at) * 1000)::bigint, " +
            "(extract(epoch FROM finished_at) * 1000)::bigint FROM jobs WHERE id = ANY($1) AND started_at IS NOT NULL AND finished_at IS NOT NULL");
        command.Parameters.AddWithValue(captures.Select(c => c.Id).ToArray());
        var jobs = new Dictionary<Guid, JobTimes>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            jobs[reader.GetGuid(0)] = new JobTimes(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }
        return jobs;
    }

    private static async Task<List<Timeline>> TimelinesAsync(IEnumerable<Uri> scrapers)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var timelines = new List<Timeline>();
        foreach (var (scraper, index) in scrapers.Select((s, i) => (s, i)))
        {
            var stats = await http.GetFromJsonAsync<JsonElement>(new Uri(scraper, "/captures/stats"));
            foreach (var t in stats.GetProperty("recent").EnumerateArray())
            {
                timelines.Add(new Timeline(index, t.GetProperty("url").GetString(),
                    t.GetProperty("hostSlotAt").GetInt64(), t.GetProperty("pageOpenedAt").GetInt64(), t.GetProperty("loadedAt").GetInt64(),
                    t.GetProperty("outputsAt").GetInt64(), t.GetProperty("streamEndedAt").GetInt64(), t.GetProperty("pageClosedAt").GetInt64()));
            }
        }
        return timelines;
    }
}
