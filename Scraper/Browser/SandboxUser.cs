using Microsoft.Playwright;

namespace Platform.Scraper.Browser;

/// <summary>
/// Launches Chromium as <see cref="BrowserOptions.SandboxUser"/> through the <c>chromium-as-sandbox-user</c> wrapper
/// (setpriv, same pid) when the Scraper itself runs as root, so Chromium's sandbox stays on.
/// </summary>
public static class SandboxUser
{
    private const string WrapperName = "chromium-as-sandbox-user";

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static void Apply(BrowserTypeLaunchOptions launch, BrowserOptions options)
    {
        if (!File.ReadLines("/etc/passwd").Any(line => line.StartsWith(options.SandboxUser + ":", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException(
                $"The Scraper runs as root, and Chromium's sandbox needs the unprivileged user '{options.SandboxUser}', which does not exist. " +
                "Run scripts/bootstrap (it creates the user) or set Browser:SandboxUser to an existing one.");
        }
        var wrapper = Path.Combine(AppContext.BaseDirectory, "Browser", WrapperName);
        // The build copies the script; make sure it stays executable whatever the copy did to its mode.
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => e.Value as string ?? "");
        environment["PLATFORM_CHROMIUM_USER"] = options.SandboxUser;
        environment["PLATFORM_CHROMIUM_PATH"] = launch.ExecutablePath ?? options.ExecutablePath;
        launch.Env = environment;
        launch.ExecutablePath = wrapper;
    }
}
