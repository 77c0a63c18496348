using System.Data.Common;
using Microsoft.Extensions.Options;

namespace Platform.Api.Formats.Model;

/// <summary>
/// Configuration section "Model" (or the connection string <c>ConnectionStrings:model</c> =
/// <c>"Endpoint=http://127.0.0.1:11434/v1;Key=…;Model=llama3.2"</c>, which wins over the section for the three values it
/// names, as Aspire's clients do). The model formats are offered only when Endpoint and Model are both set.
/// </summary>
public sealed class ModelOptions
{
    public const string Section = "Model";
    public const string ConnectionStringName = "model";

    /// <summary>Base URL of an OpenAI-compatible API, including its version path (".../v1").</summary>
    public string? Endpoint { get; set; }

    /// <summary>Model id sent with every request ("gpt-4o-mini", "llama3.2").</summary>
    public string? Model { get; set; }

    /// <summary>Bearer key; optional because local servers (Ollama, vLLM) need none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Concurrent model calls across all Api replicas (the shared Redis semaphore "model-endpoint").</summary>
    public int MaxConcurrentCalls { get; set; } = 3;

    /// <summary>How long a task waits for a slot before giving up with a transient failure (the engine retries it later).</summary>
    public TimeSpan SlotWait { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest one model call may take, first byte to last token.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Longest wait for the first streamed update (the model reads the whole prompt first, slowly on local hardware).</summary>
    public TimeSpan FirstTokenTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>Longest silence between two streamed updates before the stream counts as cut.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest input text sent to the model; longer text is cut and the model is told so.</summary>
    public int MaxInputChars { get; set; } = 60_000;

    public int MaxOutputTokens { get; set; } = 1024;

    public float Temperature { get; set; } = 0.2f;

    /// <summary>Longest user instruction accepted by <c>llm-custom</c>.</summary>
    public int MaxInstructionChars { get; set; } = 2_000;

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Endpoint) && !string.IsNullOrWhiteSpace(Model);

    /// <summary>Fills Endpoint, ApiKey and Model from a "Key=Value;…" connection string (keys are case-insensitive).</summary>
    public void ApplyConnectionString(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return;
        }
        var parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (parts.TryGetValue("Endpoint", out var endpoint))
        {
            Endpoint = endpoint?.ToString();
        }
        if (parts.TryGetValue("Key", out var key) || parts.TryGetValue("ApiKey", out key))
        {
            ApiKey = key?.ToString();
        }
        if (parts.TryGetValue("Model", out var model) || parts.TryGetValue("Deployment", out model))
        {
            Model = model?.ToString();
        }
    }
}

internal sealed class ModelOptionsValidator : IValidateOptions<ModelOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Endpoint)
            && !(Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
        {
            failures.Add($"Model:Endpoint must be an absolute http(s) URL (was '{options.Endpoint}').");
        }
        if (!string.IsNullOrWhiteSpace(options.Endpoint) && string.IsNullOrWhiteSpace(options.Model))
        {
            failures.Add("Model:Model is required when Model:Endpoint is set.");
        }
        if (options.MaxConcurrentCalls < 1)
        {
            failures.Add("Model:MaxConcurrentCalls must be at least 1.");
        }
        if (options.SlotWait < TimeSpan.Zero || options.CallTimeout <= TimeSpan.Zero || options.FirstTokenTimeout <= TimeSpan.Zero
            || options.IdleTimeout <= TimeSpan.Zero)
        {
            failures.Add("Model:SlotWait, CallTimeout, FirstTokenTimeout and IdleTimeout must be positive.");
        }
        if (options.MaxInputChars < 100 || options.MaxOutputTokens < 1 || options.MaxInstructionChars < 1)
        {
            failures.Add("Model:MaxInputChars (≥ 100), MaxOutputTokens and MaxInstructionChars (≥ 1) are out of range.");
        }
        if (options.Temperature is < 0 or > 2)
        {
            failures.Add("Model:Temperature must be between 0 and 2.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
