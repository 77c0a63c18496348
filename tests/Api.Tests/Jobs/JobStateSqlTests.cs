using System.Reflection;
using System.Text.RegularExpressions;
using Platform.Api.Jobs;

namespace Platform.Api.Tests.Jobs;

/// <summary>SQL names job and task states only through <see cref="JobStateSql"/> and <see cref="TaskStateSql"/>, and only real ones.</summary>
public sealed partial class JobStateSqlTests
{
    private static readonly HashSet<string> JobStates = [.. Enum.GetValues<JobState>().Select(s => s.ToWire())];
    private static readonly HashSet<string> TaskStates = [.. Enum.GetValues<TaskState>().Select(s => s.ToWire())];

    [Fact]
    public void Every_state_the_sql_fragments_name_is_a_state_of_the_machine()
    {
        var jobNames = Fragments(typeof(JobStateSql)).SelectMany(QuotedNames).ToList();
        var taskNames = Fragments(typeof(TaskStateSql)).SelectMany(QuotedNames).ToList();

        Assert.NotEmpty(jobNames);
        Assert.NotEmpty(taskNames);
        Assert.All(jobNames, name => Assert.Contains(name, JobStates));
        Assert.All(taskNames, name => Assert.Contains(name, TaskStates));
    }

    [Fact]
    public void The_running_slot_is_one_rule_in_csharp_and_sql()
    {
        Assert.Equal(["running", "cancelling"], JobStateMachine.RunningSlotStates.Select(s => s.ToWire()));
        Assert.Equal(JobStateMachine.RunningSlotStates, Enum.GetValues<JobState>().Where(s => s.HoldsRunningSlot()));
        Assert.Equal("('running', 'cancelling')", JobStateSql.RunningSlot);
        Assert.Equal("'queued'", JobStateSql.Queued);
        Assert.Equal("('completed', 'partial', 'failed', 'cancelled', 'expired')", JobStateSql.Finished);
        Assert.Equal("('pending', 'running')", TaskStateSql.Unfinished);
    }

    [Fact]
    public void No_code_in_the_api_types_a_state_name_into_sql()
    {
        var typed = RepositoryFiles.CSharpSources("Api")
            .Where(f => !f.StartsWith("Api/Infrastructure/Migrations/", StringComparison.Ordinal)) // generated history
            .SelectMany(f => RepositoryFiles.Read(f).Split('\n').Select((line, i) => (File: f, Line: i + 1, Text: line.Trim())))
            .Where(l => !l.Text.StartsWith("//", StringComparison.Ordinal))
            .Where(l => QuotedNames(l.Text).Any(n => JobStates.Contains(n) || TaskStates.Contains(n)))
            .Select(l => $"{l.File}:{l.Line}: {l.Text}")
            .ToList();
        Assert.Empty(typed);
    }

    [Fact]
    public void Only_JobStateWrites_writes_a_jobs_state()
    {
        var writers = RepositoryFiles.CSharpSources("Api")
            .Where(f => !f.StartsWith("Api/Infrastructure/Migrations/", StringComparison.Ordinal))
            .Where(f => JobsUpdateSetsState().IsMatch(RepositoryFiles.Read(f)))
            .ToList();
        Assert.Equal(["Api/Jobs/JobStateSql.cs"], writers);
    }

    [Fact]
    public void Every_state_the_tests_sql_names_is_a_real_state()
    {
        var named = RepositoryFiles.CSharpSources("tests")
            .SelectMany(f => StateComparisons().Matches(RepositoryFiles.Read(f)).Select(m => (File: f, Names: QuotedNames(m.Value).ToList())))
            .SelectMany(m => m.Names.Select(n => (m.File, Name: n)))
            .Where(m => !JobStates.Contains(m.Name) && !TaskStates.Contains(m.Name))
            .Select(m => $"{m.File}: '{m.Name}'")
            .ToList();
        Assert.Empty(named);
    }

    private static IEnumerable<string> Fragments(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.FieldType == typeof(string)).Select(f => (string)f.GetValue(null)!);

    private static IEnumerable<string> QuotedNames(string text) => QuotedWord().Matches(text).Select(m => m.Groups[1].Value);

    [GeneratedRegex(@"'([a-z]+)'")]
    private static partial Regex QuotedWord();

    /// <summary><c>UPDATE jobs [alias] SET … state = …</c> before the statement's WHERE: a write of the job's state.</summary>
    [GeneratedRegex(@"UPDATE\s+jobs\b[^;]*?\bSET\b(?:(?!\bWHERE\b)[^;])*?\bstate\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex JobsUpdateSetsState();

    /// <summary>A state compared with quoted names (<c>=</c>, <c>&lt;&gt;</c>, <c>IN (…)</c>) in SQL a test writes.</summary>
    [GeneratedRegex(@"\bstate\s*(?:=|<>|!=)\s*'[a-z]+'|\bstate\s+IN\s*\((?:\s*'[a-z]+'\s*,?)+\)", RegexOptions.IgnoreCase)]
    private static partial Regex StateComparisons();
}
