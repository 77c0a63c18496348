using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using Platform.Api.Jobs;
using Platform.Integration.Tests.Jobs;
using Platform.Testing;

namespace Platform.Integration.Tests.Storage;

/// <summary>The job-engine app with a short retention (8 s) and a one-byte storage quota per user, so both are observable.</summary>
public sealed class StorageAppFixture : JobsAppFixture
{
    public static readonly TimeSpan Retention = TimeSpan.FromSeconds(8);

    protected override void Configure(PlatformAppOptions options)
    {
        options.ApiReplicas = 1;
        options.ApiEnvironment["Storage__RetainFinishedJobsFor"] = Retention.ToString("c");
        options.ApiEnvironment["Storage__RetentionInterval"] = "00:00:01";
        options.ApiEnvironment["Storage__QuotaBytesPerUser"] = "1";
    }
}

[CollectionDefinition(Name)]
public sealed class StorageCollection : ICollectionFixture<StorageAppFixture>
{
    public const string Name = "Storage (retention, quota, downloads)";
}

/// <summary>Issue 13, item 11: finished jobs are purged after the retention period, a full quota refuses new work, results stream.</summary>
[Collection(StorageCollection.Name)]
public sealed class StorageTests(StorageAppFixture fixture)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_finished_job_and_everything_it_stored_is_purged_after_the_retention_period()
    {
        using var user = await fixture.NewUserAsync();
        var id = await user.SubmitAcceptedAsync(UserSession.TextJob("Retention keeps finished jobs for a while.", ["text-stats"]));
        await user.WaitForStateAsync(id, TimeSpan.FromSeconds(30), "completed");
        Assert.Equal(HttpStatusCode.OK, (await user.Http.GetAsync($"/api/jobs/{id}", Ct)).StatusCode);

        var deadline = DateTime.UtcNow + StorageAppFixture.Retention + TimeSpan.FromSeconds(20);
        long rows;
        do
        {
            await Task.Delay(250, Ct);
            rows = await JobsDb.ScalarAsync<long>(fixture.Database,
                """
                SELECT (SELECT count(*) FROM jobs WHERE id = @id) + (SELECT count(*) FROM tasks WHERE job_id = @id)
                     + (SELECT count(*) FROM events WHERE job_id = @id) + (SELECT count(*) FROM artifacts WHERE job_id = @id)
                """, ("id", id));
        }
        while (rows > 0 && DateTime.UtcNow < deadline);

        Assert.Equal(0, rows);
        Assert.Equal(HttpStatusCode.NotFound, (await user.Http.GetAsync($"/api/jobs/{id}", Ct)).StatusCode);
        Assert.Equal(0L, await StoredBytesAsync(user.Id)); // the purge gave the user's bytes back
    }

    [Fact]
    public async Task A_user_whose_outputs_fill_the_quota_is_refused_new_jobs_with_a_clear_problem()
    {
        using var user = await fixture.NewUserAsync();
        var first = await user.SubmitAcceptedAsync(UserSession.TextJob("The first job fits the quota.", ["text-stats"]));
        await user.WaitForStateAsync(first, TimeSpan.FromSeconds(30), "completed");

        using var refused = await user.SubmitAsync(UserSession.TextJob("The second does not.", ["text-stats"]));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("Storage quota exceeded", problem.GetProperty("title").GetString());
        Assert.Equal(1, problem.GetProperty("quotaBytes").GetInt64());
        Assert.Equal(1L, await JobsDb.ScalarAsync<long>(fixture.Database, "SELECT count(*) FROM jobs WHERE owner_id = @u", ("u", user.Id)));
        // What admission read is what the results take, kept by the database as they were stored.
        var stored = await JobsDb.ScalarAsync<long>(fixture.Database,
            "SELECT coalesce(sum(a.size), 0)::bigint FROM artifacts a JOIN jobs j ON j.id = a.job_id WHERE j.owner_id = @u", ("u", user.Id));
        Assert.True(stored > 0);
        Assert.Equal(stored, problem.GetProperty("usedBytes").GetInt64());
        Assert.Equal(stored, await StoredBytesAsync(user.Id));

        // As the problem says: deleting the finished job frees its bytes, and the next job is admitted.
        Assert.Equal(HttpStatusCode.NoContent, (await user.Http.DeleteAsync($"/api/jobs/{first}", Ct)).StatusCode);
        Assert.Equal(0L, await StoredBytesAsync(user.Id));
        await user.SubmitAcceptedAsync(UserSession.TextJob("Room again after the delete.", ["text-stats"]));
    }

    [Fact]
    public async Task Counting_a_users_running_and_queued_jobs_reads_none_of_their_finished_ones()
    {
        // Admission, dispatch and every usage notice count a user's jobs: a user who captured a whole site before must
        // not pay for each of those pages again on every submit.
        using var user = await fixture.NewUserAsync();
        var id = await user.SubmitAcceptedAsync(UserSession.TextJob("A finished job stays in the history.", ["text-stats"]));
        await user.WaitForStateAsync(id, TimeSpan.FromSeconds(30), "completed");

        // A test database is small enough for the planner to read the whole table instead: told to use what indexes
        // allow, it shows what the statement's own conditions make it read on a real one.
        await using var connection = await fixture.Database.OpenConnectionAsync(Ct);
        await using (var indexes = new NpgsqlCommand("SET enable_seqscan = off", connection))
        {
            await indexes.ExecuteNonQueryAsync(Ct);
        }
        await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, FORMAT JSON) " + UserJobCounts.Count, connection);
        command.Parameters.AddWithValue("user", user.Id);
        var plan = JsonDocument.Parse((string)(await command.ExecuteScalarAsync(Ct))!).RootElement[0].GetProperty("Plan");

        var jobsRead = Nodes(plan).Where(n => n.TryGetProperty("Relation Name", out var r) && r.GetString() == "jobs")
            .Sum(n => n.GetProperty("Actual Rows").GetDouble() + (n.TryGetProperty("Rows Removed by Filter", out var removed) ? removed.GetDouble() : 0));
        Assert.True(jobsRead == 0, $"The count read {jobsRead} of the user's jobs: {plan}");

        static IEnumerable<JsonElement> Nodes(JsonElement node) =>
            node.TryGetProperty("Plans", out var children) ? [node, .. children.EnumerateArray().SelectMany(Nodes)] : [node];
    }

    private Task<long> StoredBytesAsync(string userId) =>
        JobsDb.ScalarAsync<long>(fixture.Database, "SELECT coalesce((SELECT bytes FROM storage_usage WHERE owner_id = @u), 0)::bigint", ("u", userId));

    [Fact]
    public async Task A_result_download_streams_the_stored_bytes_with_their_length_and_type()
    {
        using var user = await fixture.NewUserAsync();
        var id = await user.SubmitAcceptedAsync(UserSession.TextJob("Downloads stream from PostgreSQL.", ["text-stats"]));
        await user.WaitForStateAsync(id, TimeSpan.FromSeconds(30), "completed");

        using var response = await user.Http.GetAsync($"/api/jobs/{id}/tasks/text-stats/result?download=true", Ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes.Length, response.Content.Headers.ContentLength);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var stored = await JobsDb.ScalarAsync<byte[]>(fixture.Database, "SELECT bytes FROM artifacts WHERE job_id = @id", ("id", id));
        Assert.Equal(stored, bytes);
    }
}
