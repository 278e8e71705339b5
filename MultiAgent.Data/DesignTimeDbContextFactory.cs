using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace MultiAgent.Data;

// Used only by `dotnet ef migrations add`; no database is contacted.
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<MultiAgentDbContext>
{
    public MultiAgentDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<MultiAgentDbContext>().UseNpgsql("Host=localhost;Database=multiagentdb").Options);
}
