using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Platform.Api.Infrastructure;

/// <summary>Lets `dotnet ef migrations add` build the model without starting the app (no database is contacted).</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<PlatformDbContext>
{
    public PlatformDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PlatformDbContext>()
            .UseNpgsql("Host=localhost;Database=platform")
            .UseSnakeCaseNamingConvention()
            .Options);
}
