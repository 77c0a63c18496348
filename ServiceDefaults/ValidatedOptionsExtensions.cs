using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The one way a Platform options class is registered: bound from its configuration section, checked against its data
/// annotations (and <see cref="System.ComponentModel.DataAnnotations.IValidatableObject"/>) and its own validator when it
/// has one, at start-up — a bad setting stops the process when it starts, not at first use.
/// </summary>
public static class ValidatedOptionsExtensions
{
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IHostApplicationBuilder builder, string section)
        where TOptions : class =>
        builder.Services.AddValidatedOptions<TOptions>(builder.Configuration, section);

    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IHostApplicationBuilder builder, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions> =>
        builder.Services.AddValidatedOptions<TOptions, TValidator>(builder.Configuration, section);

    /// <summary>For libraries registered on a service collection with the application's configuration (Coordination).</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class =>
        services.AddOptions<TOptions>().Bind(configuration.GetSection(section)).ValidateDataAnnotations().ValidateOnStart();

    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services.AddValidatedOptions<TOptions>(configuration, section);
    }
}
