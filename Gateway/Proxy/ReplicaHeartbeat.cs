using System.Text.Json;

namespace Platform.Gateway.Proxy;

/// <summary>
/// What the gateway reads of an Api replica's heartbeat: the JSON each replica writes every 5 s into the Redis hash
/// platform:instances (Api/Ops/InstanceHeartbeat.cs, InstanceHeartbeatView; camelCase). Only the fields routing needs.
/// </summary>
internal sealed record ReplicaHeartbeat(string Instance, string Service, DateTimeOffset LastSeen, string? Url)
{
    /// <summary>An entry that is not a heartbeat (another writer, an older format) is skipped, not fatal.</summary>
    public static ReplicaHeartbeat? Parse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<ReplicaHeartbeat>(json, JsonSerializerOptions.Web) is { Instance.Length: > 0, Service: not null } beat
                ? beat
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
