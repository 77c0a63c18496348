using Npgsql;
using Platform.Api.Infrastructure;

namespace Platform.Api.Jobs;

/// <summary>
/// Job states as SQL literals, made from the one definition (the enum's wire names and the state machine's sets): no SQL
/// in the Api types a state name. Literals rather than parameters, so a query's predicate still matches the partial
/// indexes (<c>ix_jobs_queued_by_owner</c>, <c>ix_jobs_leased</c>), whose filters are built from the same fragments.
/// </summary>
public static class JobStateSql
{
    /// <summary><c>'queued'</c></summary>
    public static readonly string Queued = Literal(JobState.Queued);

    /// <summary><c>('running', 'cancelling')</c>: jobs that hold a running slot, and with it the lease that fences writes.</summary>
    public static readonly string RunningSlot = List(JobStateMachine.RunningSlotStates);

    /// <summary><c>('queued', 'running', 'cancelling')</c>: jobs that count against a user's limits.</summary>
    public static readonly string Unfinished = List(Enum.GetValues<JobState>().Where(s => !s.IsFinished()));

    /// <summary><c>('completed', 'partial', 'failed', 'cancelled', 'expired')</c></summary>
    public static readonly string Finished = List(JobStateMachine.FinishedStates);

    public static string Literal(JobState state) => $"'{state.ToWire()}'";

    private static string List(IEnumerable<JobState> states) => $"({string.Join(", ", states.Select(Literal))})";
}

/// <summary>Task states as SQL literals, from <see cref="TaskState"/>'s wire names.</summary>
public static class TaskStateSql
{
    /// <summary><c>'pending'</c></summary>
    public static readonly string Pending = Literal(TaskState.Pending);

    /// <summary><c>'running'</c></summary>
    public static readonly string Running = Literal(TaskState.Running);

    /// <summary><c>'completed'</c></summary>
    public static readonly string Completed = Literal(TaskState.Completed);

    /// <summary><c>('pending', 'running')</c>: tasks that have not ended.</summary>
    public static readonly string Unfinished = $"({string.Join(", ", Enum.GetValues<TaskState>().Where(s => !s.IsFinished()).Select(Literal))})";

    public static string Literal(TaskState state) => $"'{state.ToWire()}'";
}

/// <summary>
/// The one statement shape that writes <c>jobs.state</c>: <c>UPDATE jobs SET state = @toState, … WHERE id = @id AND state =
/// @fromState</c>, with both taken from a <see cref="JobStateMove"/> the state machine allowed. The caller holds the
/// job's row lock and read its state under it, so the guard always matches; if it does not, nothing is written and the
/// move throws (<see cref="MoveAsync"/>) or is refused (a claim that matches no row claims nothing).
/// </summary>
public static class JobStateWrites
{
    /// <param name="set">Further assignments (<c>error = @error, …</c>), or empty.</param>
    /// <param name="returning">Columns to return, or null.</param>
    public static string Update(string set, string? returning = null) =>
        $"UPDATE jobs SET state = @toState{(set.Length > 0 ? ", " + set : "")} WHERE id = @id AND state = @fromState"
        + (returning is null ? "" : $" RETURNING {returning}");

    /// <summary>
    /// A move to one state from any of several (each a move the state machine allows), for a writer that already holds the
    /// job's row: <c>UPDATE jobs SET state = 'to', … WHERE @id … AND state IN (froms)</c>, the state a literal.
    /// </summary>
    /// <param name="where">Further conditions (<c>lease_epoch = @epoch</c>), or empty.</param>
    public static string UpdateFromAny(IReadOnlyCollection<JobStateMove> moves, string set, string where)
    {
        var to = moves.Select(m => m.To).Distinct().Single();
        var from = string.Join(", ", moves.Select(m => JobStateSql.Literal(m.From)));
        return $"UPDATE jobs SET state = {JobStateSql.Literal(to)}{(set.Length > 0 ? ", " + set : "")} WHERE id = @id"
            + (where.Length > 0 ? " AND " + where : "") + $" AND state IN ({from})";
    }

    /// <summary>The parameters <see cref="Update"/> names: the job and the move.</summary>
    public static (string Name, object? Value)[] Parameters(Guid jobId, JobStateMove move, params (string Name, object? Value)[] more) =>
        [("id", jobId), ("fromState", move.From.ToWire()), ("toState", move.To.ToWire()), .. more];

    /// <summary>Writes <paramref name="move"/> for the locked job; throws when the job was not in the state the move starts from.</summary>
    public static async Task MoveAsync(this NpgsqlConnection connection, NpgsqlTransaction transaction, Guid jobId, JobStateMove move,
        string set, CancellationToken ct, params (string Name, object? Value)[] parameters)
    {
        var moved = await connection.ExecuteAsync(transaction, Update(set), ct, Parameters(jobId, move, parameters));
        if (moved != 1)
        {
            throw new IllegalJobTransitionException(move.From, move.To, $"job {jobId} is not {move.From.ToWire()}");
        }
    }
}
