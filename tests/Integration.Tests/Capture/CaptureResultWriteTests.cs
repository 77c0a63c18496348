using Platform.Fixtures;
using Platform.Integration.Tests.Jobs;

namespace Platform.Integration.Tests.Capture;

/// <summary>
/// A capture's outputs arrive together, and the executor stores them together: every output's artifact and task, the
/// job's end and their events in one transaction (one PostgreSQL write per capture job instead of one per output).
/// </summary>
[Collection(CaptureCollection.Name)]
public sealed class CaptureResultWriteTests(CaptureAppFixture fixture)
{
    [Fact]
    public async Task A_captures_outputs_and_the_jobs_end_are_stored_in_one_transaction()
    {
        await using var site = await FixtureSite.StartAsync(hostCount: 1);
        using var user = await fixture.NewUserAsync();
        var jobId = await user.SubmitAcceptedAsync(new
        {
            source = new { url = site.Url("article").AbsoluteUri },
            formats = new[] { "html", "markdown", "screenshot" },
            options = new { },
        });
        await user.WaitForStateAsync(jobId, TimeSpan.FromSeconds(120), "completed", "failed", "cancelled");
        Assert.Equal("completed", (await user.GetJobAsync(jobId)).GetProperty("state").GetString());

        // Rows a transaction wrote carry its id (xmin): the three artifacts, the three tasks' completion, the job's end,
        // and the events that tell of them.
        var writers = await JobsDb.ListAsync(fixture.Database,
            """
            SELECT 'artifact ' || format, xmin::text FROM artifacts WHERE job_id = @id
            UNION ALL SELECT 'task ' || format, xmin::text FROM tasks WHERE job_id = @id
            UNION ALL SELECT 'job', xmin::text FROM jobs WHERE id = @id
            UNION ALL SELECT 'event ' || type || ' ' || coalesce(data->>'format', data->>'state'), xmin::text
              FROM events WHERE job_id = @id AND (type = 'task.result' OR (type = 'job.state' AND data->>'state' = 'completed'))
            """,
            r => (Row: r.GetString(0), Transaction: r.GetString(1)), ("id", jobId));
        Assert.Equal(3 + 3 + 1 + 3 + 1, writers.Count);
        Assert.True(writers.Select(w => w.Transaction).Distinct().Count() == 1,
            "written by more than one transaction: " + string.Join(", ", writers.Select(w => $"{w.Row}={w.Transaction}")));
    }
}
