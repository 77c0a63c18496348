using System.Reflection;
using System.Runtime.InteropServices;

namespace Platform.AppHost.Orchestration;

/// <summary>
/// Where the built services and the repository are. Services are found in the same artifacts tree as this assembly
/// (artifacts/bin/&lt;Project&gt;/&lt;config&gt;/), so building with <c>-p:ArtifactsPath=/tmp/x</c> keeps AppHost,
/// its tests and the services it launches together. PLATFORM_ARTIFACTS overrides the artifacts root.
/// </summary>
public static class ServiceArtifacts
{
    public const string ArtifactsVariable = "PLATFORM_ARTIFACTS";

    private static readonly string AssemblyDirectory = Path.GetDirectoryName(typeof(ServiceArtifacts).Assembly.Location) ?? AppContext.BaseDirectory;

    /// <summary>The repository checkout this AppHost was built from (recorded at build time).</summary>
    public static string RepositoryRoot { get; } =
        Environment.GetEnvironmentVariable("PLATFORM_REPO_ROOT") is { Length: > 0 } configured
            ? configured
            : typeof(ServiceArtifacts).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
                .FirstOrDefault(a => a.Key == "PlatformRepositoryRoot")?.Value ?? Environment.CurrentDirectory;

    /// <summary>artifacts/ (the folder holding bin/): three levels above bin/&lt;Project&gt;/&lt;config&gt;/.</summary>
    public static string ArtifactsRoot(string? configured = null) => Path.GetFullPath(
        configured is { Length: > 0 } ? configured
        : Environment.GetEnvironmentVariable(ArtifactsVariable) is { Length: > 0 } fromEnvironment ? fromEnvironment
        : Path.Combine(AssemblyDirectory, "..", "..", ".."));

    /// <summary>bin/&lt;project&gt;/&lt;config&gt;/&lt;project&gt;.dll, preferring the configuration AppHost itself was built in.</summary>
    public static string ServiceAssembly(string project, string? artifactsRoot = null)
    {
        var root = ArtifactsRoot(artifactsRoot);
        var ownConfiguration = Path.GetFileName(AssemblyDirectory);
        string[] configurations = [ownConfiguration, "debug", "release"];
        var candidates = configurations.Distinct().Select(c => Path.Combine(root, "bin", project, c, $"{project}.dll")).ToList();
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException(
                $"{project} is not built: looked for {string.Join(", ", candidates)}. Build AppHost (it builds the services) " +
                $"with the same ArtifactsPath, or set {ArtifactsVariable} to the artifacts folder.");
    }

    /// <summary>The dotnet host to launch services with: the one running us when known, else dotnet on PATH.</summary>
    public static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }
        // The shared runtime lives in <dotnet root>/shared/Microsoft.NETCore.App/<version>/.
        var fromRuntime = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        if (File.Exists(fromRuntime))
        {
            return fromRuntime;
        }
        return ChildProcess.FindExecutable("dotnet") ?? "dotnet";
    }
}
