using Microsoft.EntityFrameworkCore;

namespace Platform.Api.Infrastructure;

public sealed class PlatformDbContext(DbContextOptions<PlatformDbContext> options) : DbContext(options)
{
}
