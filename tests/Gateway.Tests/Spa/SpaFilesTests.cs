using Platform.Gateway.Spa;

namespace Platform.Gateway.Tests.Spa;

public sealed class SpaFilesTests
{
    [Fact]
    public void The_default_root_is_web_spa_dist_of_the_repository_above_the_binaries()
    {
        var root = SpaFiles.DefaultRoot(Path.GetTempPath());

        Assert.NotNull(root);
        Assert.True(File.Exists(Path.Combine(root, "..", "..", "Platform.sln")), root);
        Assert.EndsWith(Path.Combine("web-spa", "dist"), root);
    }
}
